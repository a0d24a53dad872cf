"""Claim notices: the receipt emailed to the payer who gave an address."""
