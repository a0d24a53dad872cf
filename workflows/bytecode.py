"""The workflow modules' bytecode, written once when the worker starts (issue 14).

Temporal's sandbox imports a workflow's module afresh for every new workflow run (a continued
run included), so that runs share no module state. Without a `.pyc` beside the source, each of
those imports compiles the module from its source: with `PYTHONDONTWRITEBYTECODE=1` (set on the
development machine and in the image) that was ~40 % of the worker's CPU on the first of the
month (README, Billing). The bytecode is written explicitly here, once per start, and the
sandbox's imports then load it like any other import. Where the source folder is read-only
(an image built without bytecode), nothing is written and the sandbox compiles as before.
"""

import importlib.util
import logging
import py_compile
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("workflows.bytecode")


def write_bytecode(workflow_classes: Iterable[type]) -> int:
    """Compile the modules that define these workflows where no current `.pyc` exists; the
    number of files written."""
    written = 0
    for name in sorted({cls.__module__ for cls in workflow_classes}):
        module = sys.modules.get(name)
        source = getattr(module, "__file__", None)
        if not source or not source.endswith(".py"):
            continue
        cached = importlib.util.cache_from_source(source)
        try:
            if Path(cached).stat().st_mtime >= Path(source).stat().st_mtime:
                continue
        except OSError:
            pass  # no bytecode yet
        try:
            py_compile.compile(source, cfile=cached, doraise=True)
            written += 1
        except (OSError, py_compile.PyCompileError) as exc:  # read-only folder: compile as before
            log.info("no bytecode written for %s: %s", name, exc)
    return written
