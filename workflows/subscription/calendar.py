"""Dates as people pick them (America/Montreal) and the instants the workflow waits for.

The time zone is loaded when this module is imported, which the workflow does through
`imports_passed_through`: the tz file is read once, outside the sandbox, and the workflow only
does arithmetic with the loaded object (no I/O, deterministic on replay).
"""

from servicekit.clock import MONTREAL, start_of_day
from servicekit.clock import montreal_date as local_today

__all__ = ["MONTREAL", "local_today", "start_of_day"]
