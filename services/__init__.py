"""The platform's data-owning services: identity, subscriptions, payments."""
