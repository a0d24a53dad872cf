"""The Temporal connection comes from Temporal's environment configuration (profiles in a TOML
file, TEMPORAL_* variables: TLS, mTLS client certificates, API key), with the platform's
PLATFORM_TEMPORAL_ADDRESS / NAMESPACE still honoured when set."""

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from temporalio.service import TLSConfig
from temporalio.testing import WorkflowEnvironment

from servicekit.settings import PlatformSettings
from servicekit.temporal import connect, connect_config


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / f"{name}.pem", directory / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def mtls_profile(tmp_path: Path) -> dict[str, Path]:
    ca, _ = _certificate(tmp_path, "ca")
    cert, key = _certificate(tmp_path, "worker")
    config = tmp_path / "temporal.toml"
    config.write_text(
        f"""
[profile.default]
address = "127.0.0.1:7233"

[profile.production]
address = "temporal-frontend.temporal.svc:7233"
namespace = "parking-prod"

[profile.production.tls]
server_name = "temporal.example.org"
server_ca_cert_path = "{ca}"
client_cert_path = "{cert}"
client_key_path = "{key}"
"""
    )
    return {"file": config, "ca": ca, "cert": cert, "key": key}


def test_a_profile_with_mtls_gives_the_address_namespace_and_client_certificate(mtls_profile):
    env = {"TEMPORAL_CONFIG_FILE": str(mtls_profile["file"]), "TEMPORAL_PROFILE": "production"}

    config = connect_config(PlatformSettings(), env)

    assert config["target_host"] == "temporal-frontend.temporal.svc:7233"
    assert config["namespace"] == "parking-prod"
    tls = config["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.domain == "temporal.example.org"
    assert tls.server_root_ca_cert == mtls_profile["ca"].read_bytes()
    assert tls.client_cert == mtls_profile["cert"].read_bytes()
    assert tls.client_private_key == mtls_profile["key"].read_bytes()


def test_environment_variables_override_the_profile_and_platform_settings_override_both(
    mtls_profile,
):
    env = {
        "TEMPORAL_CONFIG_FILE": str(mtls_profile["file"]),
        "TEMPORAL_PROFILE": "production",
        "TEMPORAL_NAMESPACE": "from-env",
        "TEMPORAL_API_KEY": "an-api-key",
    }
    explicit = PlatformSettings(temporal_address="temporal.internal:7233")

    config = connect_config(explicit, env)

    assert config["target_host"] == "temporal.internal:7233"  # PLATFORM_TEMPORAL_ADDRESS
    assert config["namespace"] == "from-env"
    assert config["api_key"] == "an-api-key"
    assert isinstance(config["tls"], TLSConfig)  # the profile's mTLS stays
    assert config["tls"].client_cert == mtls_profile["cert"].read_bytes()


def test_an_api_key_alone_turns_tls_on():
    config = connect_config(PlatformSettings(), {"TEMPORAL_API_KEY": "k"})
    assert config["api_key"] == "k" and config["tls"] is True


def test_without_any_configuration_the_embedded_defaults_apply():
    config = connect_config(PlatformSettings(), {})
    assert config == {"target_host": "127.0.0.1:7233", "namespace": "default"}


def _dev_address(env: WorkflowEnvironment) -> str:
    return env.client.service_client.config.target_host


async def test_the_default_profile_connects_to_the_dev_server(temporal_env, tmp_path, monkeypatch):
    config = tmp_path / "temporal.toml"
    config.write_text(f'[profile.default]\naddress = "{_dev_address(temporal_env)}"\n')
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(config))
    for name in ["TEMPORAL_PROFILE", "PLATFORM_TEMPORAL_ADDRESS", "PLATFORM_TEMPORAL_NAMESPACE"]:
        monkeypatch.delenv(name, raising=False)

    client = await connect(PlatformSettings(), wait_seconds=5)

    assert client.service_client.config.target_host == _dev_address(temporal_env)
    assert client.namespace == "default"
    assert await client.service_client.check_health()


async def test_the_profile_tls_reaches_the_connection(temporal_env, tmp_path, monkeypatch):
    """TLS asked by the profile against the plaintext dev server: the handshake fails, so the
    setting is really used, not just parsed."""
    config = tmp_path / "temporal.toml"
    config.write_text(
        f'[profile.default]\naddress = "{_dev_address(temporal_env)}"\n'
        "[profile.default.tls]\ndisabled = false\n"
    )
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(config))
    for name in ["TEMPORAL_PROFILE", "PLATFORM_TEMPORAL_ADDRESS", "PLATFORM_TEMPORAL_NAMESPACE"]:
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(RuntimeError):
        await connect(PlatformSettings(), wait_seconds=0)
