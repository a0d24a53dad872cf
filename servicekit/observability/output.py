"""The access log's output: lines gathered in a buffer and written to stderr every quarter
of a second (and at exit), instead of one write system call per request, which cost the
plate check as much as everything else the access line does (bench/observability.py).

Lines stay whole (one process writes its own stderr, sequentially; `io.BufferedWriter` takes
its own lock, so no other is needed around it); an access line may
appear up to 250 ms after another logger's line of the same instant: each carries its
timestamp.
"""

import atexit
import sys
import threading
from typing import BinaryIO

FLUSH_SECONDS = 0.25


class BufferedLines:
    """Lines through a buffer: `write` takes a whole line in bytes; as a structlog logger,
    any level method takes a rendered line."""

    def __init__(self, stream: BinaryIO | None = None) -> None:
        self._out = stream or open(sys.stderr.fileno(), "wb", buffering=1 << 16, closefd=False)
        self.write = self._out.write
        self._stop = threading.Event()
        threading.Thread(target=self._flush_every, name="access-log-flush", daemon=True).start()
        atexit.register(self.flush)

    def msg(self, message: str) -> None:
        self._out.write(message.encode() + b"\n")

    debug = info = warning = warn = error = critical = exception = log = msg

    def flush(self) -> None:
        try:
            self._out.flush()
        except (OSError, ValueError):  # stderr closed at exit: nothing left to do
            pass

    def _flush_every(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def close(self) -> None:
        self._stop.set()
        self.flush()
