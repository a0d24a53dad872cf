"""Sending email over SMTP with aiosmtplib (called only from Temporal activities)."""

import re
import secrets
from email.message import EmailMessage
from email.utils import formataddr

import aiosmtplib
from opentelemetry import trace
from pydantic_settings import BaseSettings, SettingsConfigDict


class MailSettings(BaseSettings):
    """SMTP relay settings (env prefix `SMTP_`); the defaults reach the embedded mail catcher."""

    model_config = SettingsConfigDict(env_prefix="SMTP_", env_file=".env", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 1025
    username: str | None = None
    password: str | None = None
    start_tls: bool = False
    use_tls: bool = False
    timeout: float = 10.0
    sender_name: str = "Société Parc-Auto du Québec"
    sender_address: str = "no-reply@parking.localhost"
    # The sent-mail ledger (servicekit/sent_mail.py): every worker of a deployment shares it.
    ledger_url: str = "sqlite+aiosqlite:///.data/sent-mail.db"


def _message_id_left(key: str) -> str:
    """The idempotency key as a Message-ID left part (a dot-atom), the same on every retry."""
    return re.sub(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+", ".", key).strip(".") or "message"


def build_message(
    settings: MailSettings,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_key: str,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> EmailMessage:
    """A multipart text+HTML message; `message_key` makes a stable Message-ID for deduplication."""
    msg = EmailMessage()
    msg["From"] = formataddr((settings.sender_name, settings.sender_address))
    msg["To"] = to
    msg["Subject"] = subject
    domain = settings.sender_address.rsplit("@", 1)[-1]
    msg["Message-ID"] = f"<{_message_id_left(message_key)}@{domain}>"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments or []:
        maintype, subtype = content_type.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    _set_boundaries(msg)
    return msg


def _set_boundaries(msg: EmailMessage) -> None:
    """Boundaries without long digit runs: the email package's default (`=====<19 random
    digits>==`) is a Luhn-valid 19-digit number one time in ten, which card-number scanners
    flag (RULES.md: no such string in an email)."""
    for part in msg.walk():
        if part.is_multipart():
            part.set_boundary(f"=_{secrets.token_urlsafe(24)}")


async def send(settings: MailSettings, message: EmailMessage) -> None:
    """Hand a message to the SMTP relay; raises on any failure so the activity retries."""
    with _tracer.start_as_current_span("smtp send", kind=trace.SpanKind.CLIENT) as span:
        span.set_attribute("server.address", settings.host)
        span.set_attribute("server.port", settings.port)
        await _send(settings, message)


_tracer = trace.get_tracer(__name__)


async def _send(settings: MailSettings, message: EmailMessage) -> None:
    await aiosmtplib.send(
        message,
        hostname=settings.host,
        port=settings.port,
        username=settings.username,
        password=settings.password,
        start_tls=settings.start_tls,
        use_tls=settings.use_tls,
        timeout=settings.timeout,
    )
