"""Settings read from MAILCATCHER_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where to listen and where to keep mail."""

    model_config = SettingsConfigDict(env_prefix="MAILCATCHER_")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    http_host: str = "127.0.0.1"
    http_port: int = 8025
    store_dir: Path = Path(".data/mail")
    # uvicorn's own logging; "warning" keeps the console to our one startup line.
    log_level: str = "warning"
