"""Replicas killed or restarted one at a time under load, and what the users saw meanwhile."""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from tests.support.load import Load, Outcome
from tests.support.topology import REPLICATED, Topology

# How long a killed replica stays down before it is started again.
DOWN_SECONDS = 1.0


@dataclass
class Window:
    """One disruption: what was done, from when to when, and the failed requests meanwhile."""

    action: str
    started: float
    ended: float
    failures: list[Outcome]

    def failed(self, idempotent: bool) -> int:
        return sum(1 for o in self.failures if (o.method == "GET") is idempotent)


async def kill_each(topology: Topology, load: Load) -> list[Window]:
    """SIGKILL the first replica of the web, of each service and of the worker, one after the
    other; each is started again after DOWN_SECONDS, and is ready before the next is killed."""
    windows = []
    for component in REPLICATED:
        replica = topology.replicas[component][0]
        started = time.monotonic()
        await topology.kill(replica)
        await asyncio.sleep(DOWN_SECONDS)
        await topology.start_replica(replica)
        windows.append(_window(f"SIGKILL {replica.name}", started, load))
    return windows


async def roll_all(topology: Topology, load: Load) -> list[Window]:
    """A rolling restart: every replica of every component in turn, SIGTERM (it drains), then
    started again and ready before the next; nginx reloads gracefully at the end."""
    windows = []
    for component in REPLICATED:
        for replica in topology.replicas[component]:
            started = time.monotonic()
            await topology.terminate(replica)
            await topology.start_replica(replica)
            # As a rollout waits for the new pod to be in the Service's endpoints.
            await topology.wait_in_rotation(replica)
            windows.append(_window(f"restart {replica.name}", started, load))
    assert topology.gateway is not None
    started = time.monotonic()
    topology.gateway.reload()
    await asyncio.sleep(1.0)
    windows.append(_window("reload nginx", started, load))
    return windows


def _window(action: str, started: float, load: Load) -> Window:
    ended = time.monotonic()
    return Window(action, started, ended, load.failures(started, ended))


def report(windows: list[Window]) -> str:
    """One line per disruption: its length and the failed requests, idempotent or not."""
    return "\n".join(
        f"{w.action:<24} {w.ended - w.started:5.1f} s  failed GET {w.failed(True):3d}  "
        f"failed POST {w.failed(False):3d}  {_kinds(w.failures)}"
        for w in windows
    )


def _kinds(failures: list[Outcome]) -> str:
    kinds = Counter(f"{o.method} {o.path} {o.status or o.error}" for o in failures)
    return ", ".join(f"{kind} ×{n}" for kind, n in kinds.most_common(3))
