"""Local SMTP catcher with a Mailpit-compatible API, for the platform's embedded mode."""

from mailcatcher.api import create_app
from mailcatcher.smtp import start_smtp_server
from mailcatcher.store import MailStore, StoredMessage

__all__ = ["MailStore", "StoredMessage", "create_app", "start_smtp_server"]
