"""Dates a person picks are dates in America/Montreal: the platform's one clock is
`servicekit.clock`; this name stays for the modules and tests that import it from here."""

from servicekit.clock import MONTREAL, today

__all__ = ["MONTREAL", "today"]
