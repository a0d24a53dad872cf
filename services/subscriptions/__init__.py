"""Subscriptions: catalog, vehicles, subscription requests, contracts, operator decisions."""
