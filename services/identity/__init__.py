"""Identity: accounts, email verification, login, password reset, profile, JWKS."""
