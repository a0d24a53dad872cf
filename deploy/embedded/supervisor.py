"""Run the Procfile of the embedded mode (`make run`): every line started directly, no shell.

honcho ran each line through a Python fork of its own and `/bin/sh -c`: 15 processes and about
120 MiB of resident memory to watch 7 (issue 14). This one process starts the 7 commands itself
(`$NAME` and `${NAME:-default}` expanded from the environment, then split as a shell would),
prints their output prefixed by the Procfile name, and stops them all on Ctrl-C, on SIGTERM, or
when one of them exits: SIGTERM to each, SIGKILL to what is left after `STOP_SECONDS`.

    python deploy/embedded/supervisor.py [-f Procfile] [-e .env] [name ...]

A `.env` file in the working directory is read as honcho read it (its parser), without overriding
what the environment already sets; names given on the command line start only those entries.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

STOP_SECONDS = 10.0  # honcho's kill timeout too
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::-([^}]*))?\}|(\w+))")


@dataclass
class Entry:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None


def expand(command: str, env: dict[str, str]) -> list[str]:
    """The command's words after `$NAME`, `${NAME}` and `${NAME:-default}` are replaced."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        found = env.get(name, "")
        if match.group(2) is not None and not found:
            return match.group(2)
        return found

    return shlex.split(VARIABLE.sub(value, command))


def read_procfile(path: Path, env: dict[str, str], only: list[str]) -> list[Entry]:
    entries = []
    for line in path.read_text().splitlines():
        found = PROCFILE_LINE.match(line)
        if found and (not only or found.group(1) in only):
            entries.append(Entry(found.group(1), expand(found.group(2), env)))
    unknown = set(only) - {e.name for e in entries}
    if unknown:
        raise SystemExit(f"supervisor: not in {path}: {', '.join(sorted(unknown))}")
    return entries


def environment(env_file: Path | None) -> dict[str, str]:
    """os.environ, completed by the .env file (what the environment sets wins, as in honcho)."""
    env = dict(os.environ)
    if env_file is not None and env_file.is_file():
        from honcho.environ import parse  # the same reading of .env as `honcho start` had

        for key, val in parse(env_file.read_text()).items():
            env.setdefault(key, val)
    env.setdefault("PYTHONUNBUFFERED", "1")  # lines appear as they are written
    return env


class Supervisor:
    def __init__(self, entries: list[Entry], env: dict[str, str]) -> None:
        self.entries = entries
        self.env = env
        self.width = max(len(e.name) for e in entries)
        self.stopping = threading.Event()
        self.print_lock = threading.Lock()
        self.exit_status = 0

    def say(self, name: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self.print_lock:
            sys.stdout.write(f"{stamp} {name:<{self.width}} | {text}\n")
            sys.stdout.flush()

    def start(self) -> None:
        for entry in self.entries:
            # A session of its own: the terminal's Ctrl-C reaches this process only, which then
            # stops each child once (a second SIGINT makes uvicorn skip its graceful shutdown).
            entry.process = subprocess.Popen(  # noqa: S603 - the repository's own Procfile
                entry.argv,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.say(entry.name, f"started with pid {entry.process.pid}")
            threading.Thread(target=self.relay, args=(entry,), daemon=True).start()

    def relay(self, entry: Entry) -> None:
        """Print the child's output until it closes, then note its exit (which stops the rest)."""
        assert entry.process is not None and entry.process.stdout is not None
        for raw in iter(entry.process.stdout.readline, b""):
            self.say(entry.name, raw.decode(errors="replace").rstrip("\n"))
        status = entry.process.wait()
        self.say(entry.name, f"exited with status {status}")
        if not self.stopping.is_set():
            self.exit_status = status or 1
            self.stopping.set()

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self.say("system", f"{signal.Signals(signum).name} received, stopping everything")
        self.stopping.set()

    def stop(self) -> None:
        running = [e for e in self.entries if e.process and e.process.poll() is None]
        for entry in running:
            assert entry.process is not None
            self.say("system", f"sending SIGTERM to {entry.name} (pid {entry.process.pid})")
            signal_group(entry.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for entry in running:
            assert entry.process is not None
            try:
                entry.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("system", f"{entry.name} still running: SIGKILL")
                signal_group(entry.process.pid, signal.SIGKILL)
                entry.process.wait()


def signal_group(pid: int, sig: signal.Signals) -> None:
    """The child and whatever it started (it leads its own process group)."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--procfile", type=Path, default=Path("Procfile"))
    parser.add_argument("-e", "--env", type=Path, default=Path(".env"))
    parser.add_argument("names", nargs="*", help="start only these entries")
    args = parser.parse_args(argv)
    env = environment(args.env)
    supervisor = Supervisor(read_procfile(args.procfile, env, args.names), env)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, supervisor.on_signal)
    try:
        supervisor.start()
        while not supervisor.stopping.wait(0.5):
            pass
    finally:
        supervisor.stop()
    return supervisor.exit_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
