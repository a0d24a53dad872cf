"""The portal's web front end: server-rendered pages, a back-end-for-front-end to the services."""
