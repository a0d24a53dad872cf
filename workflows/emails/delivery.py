"""Handing a message to SMTP from an activity, without leaking the recipient into history."""

from email.message import EmailMessage

import aiosmtplib
from temporalio.exceptions import ApplicationError

from servicekit.mail import MailSettings, send


async def deliver(mail: MailSettings, message: EmailMessage) -> None:
    """Send; a failure becomes a retryable error carrying only the class and the reply code."""
    try:
        await send(mail, message)
    except aiosmtplib.SMTPException as exc:
        # SMTP replies can echo the recipient: the message text never reaches workflow history.
        code = getattr(exc, "code", "")
        raise ApplicationError(
            f"SMTP delivery failed: {type(exc).__name__} {code}".strip(), type="SMTPError"
        ) from None
