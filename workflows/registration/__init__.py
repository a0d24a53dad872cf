"""Account registration: the verification email, its resends, and expiry of unverified accounts."""
