"""A real mutual-TLS connection configured by a temporalio.envconfig profile.

The dev server has no TLS of its own, so a TLS terminator sits in front of it (Python's ssl,
ALPN h2, client certificates required, relaying the bytes to the dev server): the platform's
client must present the profile's certificate and trust the profile's CA, as it would in front
of a production frontend with `requireClientAuth`."""

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from servicekit.settings import PlatformSettings
from servicekit.temporal import connect

SERVER_NAME = "temporal-frontend.test"


@dataclass
class Issued:
    cert: Path
    key: Path


class Authority:
    """A throwaway CA issuing server and client certificates as PEM files."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "platform test CA")])
        self.cert = (
            self._builder(self.name, self.key.public_key())
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.path = directory / "ca.crt"
        self.path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def _builder(
        self, subject: x509.Name, public_key: ec.EllipticCurvePublicKey
    ) -> x509.CertificateBuilder:
        now = datetime.datetime.now(datetime.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
        )

    def issue(self, name: str, server: bool) -> Issued:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = self._builder(subject, key.public_key())
        if server:
            alt_names = [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), False)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        issued = Issued(self.directory / f"{name}.crt", self.directory / f"{name}.key")
        issued.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        issued.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return issued


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.asynccontextmanager
async def tls_frontend(authority: Authority, server: Issued, upstream: str) -> AsyncIterator[str]:
    """A TLS endpoint requiring a client certificate from `authority`, relaying to `upstream`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server.cert, server.key)
    context.load_verify_locations(authority.path)
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])
    host, port = upstream.rsplit(":", 1)
    relays: set[asyncio.Future[list[None]]] = set()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        both = [_pipe(reader, up_writer), _pipe(up_reader, writer)]
        task = asyncio.ensure_future(asyncio.gather(*both))
        relays.add(task)
        await task

    listener = await asyncio.start_server(relay, "127.0.0.1", 0, ssl=context)
    address = listener.sockets[0].getsockname()
    try:
        yield f"127.0.0.1:{address[1]}"
    finally:
        listener.close()
        for task in relays:
            task.cancel()


def _profile(path: Path, address: str, authority: Authority, client: Issued | None) -> Path:
    lines = [
        "[profile.default]",
        f'address = "{address}"',
        "[profile.default.tls]",
        f'server_name = "{SERVER_NAME}"',
        f'server_ca_cert_path = "{authority.path}"',
    ]
    if client:
        lines += [f'client_cert_path = "{client.cert}"', f'client_key_path = "{client.key}"']
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def clean_temporal_env(monkeypatch):
    for name in ["TEMPORAL_PROFILE", "PLATFORM_TEMPORAL_ADDRESS", "PLATFORM_TEMPORAL_NAMESPACE"]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


async def test_the_profile_client_certificate_opens_a_mutual_tls_connection(
    temporal_env, tmp_path, clean_temporal_env
):
    authority = Authority(tmp_path)
    server = authority.issue(SERVER_NAME, server=True)
    client = authority.issue("parking-worker", server=False)
    upstream = temporal_env.client.service_client.config.target_host
    async with tls_frontend(authority, server, upstream) as address:
        config = _profile(tmp_path / "temporal.toml", address, authority, client)
        clean_temporal_env.setenv("TEMPORAL_CONFIG_FILE", str(config))

        connected = await connect(PlatformSettings(), wait_seconds=5)

        assert connected.service_client.config.target_host == address
        assert await connected.service_client.check_health()
        assert (await connected.count_workflows()).count >= 0  # a real call, through TLS


async def test_without_the_client_certificate_the_frontend_refuses(
    temporal_env, tmp_path, clean_temporal_env
):
    authority = Authority(tmp_path)
    server = authority.issue(SERVER_NAME, server=True)
    upstream = temporal_env.client.service_client.config.target_host
    async with tls_frontend(authority, server, upstream) as address:
        config = _profile(tmp_path / "temporal.toml", address, authority, client=None)
        clean_temporal_env.setenv("TEMPORAL_CONFIG_FILE", str(config))

        with pytest.raises(RuntimeError):
            await connect(PlatformSettings(), wait_seconds=0)
