"""Returned pre-authorized debits: the bank's CPA-005 returns file, read and applied once."""
