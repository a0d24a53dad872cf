"""The sandbox processor's hosted card page: the only part of the platform that sees a card
number (its own app and port; docs/payments-api.md, "Hosted card entry")."""
