"""nginx in front of the topology's replicas: its config rendered from deploy/nginx, run by
Debian's nginx, and its access log read back (which replica answered each request)."""

import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# The launcher that makes a child die with the test process.
from tests.e2e.stack import DIE_WITH_PARENT

ROOT = Path(__file__).resolve().parents[2]
SITE_TEMPLATE = ROOT / "deploy/nginx/templates/default.conf.template"
HOSTED_CARD_TEMPLATE = ROOT / "deploy/nginx/hosted-card/hosted-card.conf.template"
TOPOLOGY = ROOT / "deploy/nginx/topology"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def render(template: Path, values: dict[str, str]) -> str:
    """`${NAME}` replaced as envsubst does (nginx's own `$name` variables are left alone)."""
    text = template.read_text()
    missing = set(re.findall(r"\$\{(\w+)\}", text)) - values.keys()
    if missing:
        raise KeyError(f"{template.name}: no value for {sorted(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], text)


@dataclass(frozen=True)
class Entry:
    """One logged request: the nginx port it came in on and the replicas tried, in order."""

    port: int
    method: str
    path: str
    status: int
    upstreams: tuple[str, ...]


@dataclass
class Gateway:
    """The nginx process of one topology: `entry` is the portal's port, `hosted_card` the
    sandbox's hosted card page's (its own origin), `services` the cluster-internal port of each
    service."""

    folder: Path
    entry: int
    services: dict[str, int]
    replicas: dict[str, list[int]]
    temporal_ui_port: int
    hosted_card: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def write_config(self) -> Path:
        servers = {
            f"{name.upper()}_SERVERS": " ".join(
                f"server 127.0.0.1:{port} max_fails=1 fail_timeout=2s;" for port in ports
            )
            for name, ports in self.replicas.items()
            if name != "worker"
        }
        log = {"ACCESS_LOG": str(self.access_log)}
        (self.folder / "upstreams.conf").write_text(
            render(TOPOLOGY / "upstreams.conf.template", servers | log)
        )
        listens = {f"{n.upper()}_LISTEN": f"127.0.0.1:{p}" for n, p in self.services.items()}
        (self.folder / "services.conf").write_text(
            render(TOPOLOGY / "services.conf.template", listens)
        )
        site = render(
            SITE_TEMPLATE,
            {
                "WEB_UPSTREAM": "web",
                "TEMPORAL_UI_UPSTREAM": f"127.0.0.1:{self.temporal_ui_port}",
                "PAYMENTS_UPSTREAM": "payments",
            },
        )
        (self.folder / "site.conf").write_text(
            site.replace("listen 8000;", f"listen 127.0.0.1:{self.entry};")
        )
        hosted = {
            "HOSTED_CARD_UPSTREAM": "hosted_card",
            "HOSTED_CARD_LISTEN": f"127.0.0.1:{self.hosted_card}",
            "HOSTED_CARD_SERVER_NAME": "_",
        }
        (self.folder / "hosted-card.conf").write_text(render(HOSTED_CARD_TEMPLATE, hosted))
        return self._main_config()

    def _main_config(self) -> Path:
        folder = self.folder
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = " ".join(
            f"{kind}_temp_path {folder}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        parts = ("upstreams", "site", "hosted-card", "services")
        includes = " ".join(f"include {folder}/{n}.conf;" for n in parts)
        main = folder / "nginx.conf"
        main.write_text(
            f"{user}daemon off; worker_processes 1; pid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\n"
            f"events {{ worker_connections 4096; }}\nhttp {{ {temp} {includes} }}\n"
        )
        return main

    def start(self) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError("Debian's nginx is required (make debian-deps: nginx-light)")
        main = self.write_config()
        command = [NGINX, "-p", str(self.folder), "-c", str(main)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(checked.stderr)
        errors = (self.folder / "nginx.out").open("wb")
        self.process = subprocess.Popen(
            [*DIE_WITH_PARENT, *command], stdout=errors, stderr=subprocess.STDOUT
        )

    def reload(self) -> None:
        """A graceful reload (SIGHUP): new workers take over, the old ones finish their requests."""
        assert self.process is not None
        self.process.send_signal(1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def entries(self) -> list[Entry]:
        """Every request logged so far."""
        if not self.access_log.exists():
            return []
        found = []
        for line in self.access_log.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) < 7:
                continue
            upstreams = tuple(a.strip() for a in re.split(r"[,:]\s", parts[5]) if a.strip())
            found.append(Entry(int(parts[1]), parts[2], parts[3], int(parts[4]), upstreams))
        return found

    def answered_by(self, entries: list[Entry] | None = None) -> Counter[tuple[str, int]]:
        """(component, replica index) -> requests it answered (the last replica tried), among
        `entries` (default: every request logged)."""
        where = {
            f"127.0.0.1:{port}": (name, index)
            for name, ports in self.replicas.items()
            for index, port in enumerate(ports)
        }
        return Counter(
            where[entry.upstreams[-1]]
            for entry in (self.entries() if entries is None else entries)
            if entry.upstreams and entry.upstreams[-1] in where
        )
