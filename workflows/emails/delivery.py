"""Handing a message to SMTP from an activity: once per Message-ID, without leaking the
recipient into history."""

from email.message import EmailMessage

import aiosmtplib
from temporalio import activity
from temporalio.exceptions import ApplicationError

from servicekit.faults import crash_point
from servicekit.mail import MailSettings, send
from servicekit.sent_mail import SentMailLedger
from workflows.observability import count_email

# After SMTP's 250 and its record, before Temporal hears of the completion (tests, chaos bench).
AFTER_SMTP_ACCEPTED = "after-smtp-accepted"


async def deliver(mail: MailSettings, message: EmailMessage, ledger: SentMailLedger) -> bool:
    """Send unless the ledger says SMTP already took this Message-ID; True when sent now.

    A failure becomes a retryable error carrying only the class and the reply code.
    """
    message_id = str(message["Message-ID"])
    if await ledger.already_sent(message_id):
        activity.logger.info("email already accepted by SMTP earlier; not sent again")
        return False
    await ledger.attempting(message_id)
    try:
        await send(mail, message)
    except aiosmtplib.SMTPException as exc:
        count_email("failed")
        # SMTP replies can echo the recipient: the message text never reaches workflow history.
        code = getattr(exc, "code", "")
        raise ApplicationError(
            f"SMTP delivery failed: {type(exc).__name__} {code}".strip(), type="SMTPError"
        ) from None
    # The one window left: a crash between the 250 above and this write sends again on retry.
    count_email("sent")
    await ledger.record_sent(message_id)
    crash_point(AFTER_SMTP_ACCEPTED)
    return True
