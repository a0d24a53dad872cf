"""Crash points the fault-injection tests and bench trigger (`PLATFORM_FAULT_POINT`).

A named point kills its own process with SIGKILL when the variable names it: no clean-up, no
`finally`, exactly as a power cut or the OOM killer would, at exactly that line. Unset (always,
outside tests and the chaos bench), a point costs one dictionary lookup.
"""

import os
import signal

FAULT_POINT = "PLATFORM_FAULT_POINT"


def crash_point(name: str) -> None:
    """Die here, at once, if the environment names this point."""
    if os.environ.get(FAULT_POINT) == name:
        os.kill(os.getpid(), signal.SIGKILL)
