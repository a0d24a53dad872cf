"""Claim notices ("PAYER UN AVIS DE RÉCLAMATION"): created by operators, paid by anyone."""
