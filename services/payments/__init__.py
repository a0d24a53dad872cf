"""Payments: payment methods, charges, invoices, balance, claim notices."""
