"""`make topology`: the multi-replica topology of the tests, started for a person to look at.

nginx on a free port as the single entry, two replicas of the web, of each service and of the
worker, on fresh PostgreSQL databases (TEST_DATABASE_URL when it is PostgreSQL, else
postgres@127.0.0.1:5432), the Temporal dev server, the mail catcher. Ctrl-C stops everything and
drops the databases.
"""

import asyncio
import contextlib
import signal
import tempfile
from pathlib import Path

from tests.support.temporal import start_dev_server
from tests.support.topology import Topology, topology_databases


async def main() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    env = await start_dev_server()
    try:
        async with topology_databases() as urls:
            address = env.client.service_client.config.target_host
            topology = Topology(Path(tempfile.mkdtemp(prefix="topology-")), urls, address)
            try:
                await topology.start()
                print(banner(topology), flush=True)
                await stop.wait()
            finally:
                topology.stop()
    finally:
        await env.shutdown()


def banner(topology: Topology) -> str:
    assert topology.gateway is not None
    replicas = "\n".join(
        f"  {replica.name:<16} {replica.url if replica.port else '(polls Temporal)'}"
        for replicas in topology.replicas.values()
        for replica in replicas
    )
    return (
        f"\n  Portail, through nginx   {topology.url('web')}\n"
        f"  Hosted card page         {topology.url('hosted_card')} (its own origin)\n"
        f"  identity / subscriptions / payments through nginx: "
        f"{topology.url('identity')} {topology.url('subscriptions')} {topology.url('payments')}\n"
        f"  Courriels                {topology.url('mail')}\n"
        f"  Temporal                 {topology.temporal_address}\n"
        f"  nginx access log         {topology.gateway.access_log} (which replica answered)\n"
        f"  logs                     {topology.folder / 'logs'}\n{replicas}\n"
        "  Ctrl-C stops everything.\n"
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
