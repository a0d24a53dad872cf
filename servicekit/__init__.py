"""What every service, the worker and the web front end share: settings base, database session,
domain errors, token verification, Temporal client, payload encryption and email sending."""
