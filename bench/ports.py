"""The ports of a bench's embedded stack: free ones, picked when the bench starts, so a bench
runs beside `make run`, another bench or another engineer's stack on the same machine.

`BENCH_FIXED_PORTS=1` keeps the embedded mode's fixed ports (8000-8005, 1025, 8025, 7233, 8233,
9464) instead, e.g. to point a browser at a bench's stack.
"""

from __future__ import annotations

import json
import os
import socket

HOST = "127.0.0.1"

FIXED = {
    "web": 8000,
    "identity": 8001,
    "subscriptions": 8002,
    "payments": 8003,
    "hosted_card": 8005,
    "smtp": 1025,
    "mail": 8025,
    "temporal": 7233,
    "temporal_ui": 8233,
    "worker_health": 8004,
    "worker_metrics": 9464,
}


def _free_ports(count: int) -> list[int]:
    """`count` distinct ports the kernel says are free now (all held until all are picked)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _choose() -> dict[str, int]:
    inherited = os.environ.get("BENCH_PORTS")  # a child of the bench (bench/billing.py's worker)
    if inherited:
        return {name: int(port) for name, port in json.loads(inherited).items()}
    if os.environ.get("BENCH_FIXED_PORTS") == "1":
        return dict(FIXED)
    return dict(zip(FIXED, _free_ports(len(FIXED)), strict=True))


PORT = _choose()
os.environ["BENCH_PORTS"] = json.dumps(PORT)  # the bench's children find the same stack
# The bench's own process (its Temporal client, its settings) finds the stack on these ports too.
os.environ.update(
    PLATFORM_TEMPORAL_ADDRESS=f"{HOST}:{PORT['temporal']}",
    PLATFORM_IDENTITY_URL=f"http://{HOST}:{PORT['identity']}",
    PLATFORM_SUBSCRIPTIONS_URL=f"http://{HOST}:{PORT['subscriptions']}",
    PLATFORM_PAYMENTS_URL=f"http://{HOST}:{PORT['payments']}",
)


def url(name: str) -> str:
    return f"http://{HOST}:{PORT[name]}"


def port_env() -> dict[str, str]:
    """The settings that put every component of the stack on `PORT` (and find the others)."""
    return {
        "PLATFORM_TEMPORAL_ADDRESS": f"{HOST}:{PORT['temporal']}",
        "TEMPORAL_UI_PORT": str(PORT["temporal_ui"]),
        "PLATFORM_TEMPORAL_UI_URL": f"http://localhost:{PORT['temporal_ui']}",
        "WEB_TEMPORAL_UI_UPSTREAM": url("temporal_ui"),
        "PLATFORM_IDENTITY_URL": url("identity"),
        "PLATFORM_SUBSCRIPTIONS_URL": url("subscriptions"),
        "PLATFORM_PAYMENTS_URL": url("payments"),
        "PLATFORM_PUBLIC_WEB_ORIGIN": f"http://localhost:{PORT['web']}",
        "PLATFORM_HOSTED_CARD_ORIGIN": f"http://localhost:{PORT['hosted_card']}",
        "MAILCATCHER_SMTP_PORT": str(PORT["smtp"]),
        "MAILCATCHER_HTTP_PORT": str(PORT["mail"]),
        "SMTP_PORT": str(PORT["smtp"]),
        "WORKER_HEALTH_PORT": str(PORT["worker_health"]),
        "WORKER_METRICS_PORT": str(PORT["worker_metrics"]),
        # The Procfile's `apps` line (deploy/embedded/apps.py) reads these.
        "WEB_PORT": str(PORT["web"]),
        "IDENTITY_PORT": str(PORT["identity"]),
        "SUBSCRIPTIONS_PORT": str(PORT["subscriptions"]),
        "PAYMENTS_PORT": str(PORT["payments"]),
        "HOSTED_CARD_PORT": str(PORT["hosted_card"]),
    }
