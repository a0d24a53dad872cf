"""Settings of the web front end (env prefix `WEB_`), plus the platform-wide ones."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.settings import PlatformSettings

DEV_SESSION_SECRET = "dev-session-secret-change-me"  # embedded-mode default only


class WebSettings(BaseSettings):
    """Where the session cookie's key comes from and how the cookie is sent."""

    model_config = SettingsConfigDict(env_prefix="WEB_", env_file=".env", extra="ignore")

    # Comma-separated: the first encrypts, all decrypt (key rotation without logging everyone out).
    session_secret: str = DEV_SESSION_SECRET
    cookie_secure: bool = True
    cookie_name: str = "__Host-session"
    # A session not written for this long is refused (it is rewritten at each token refresh).
    session_idle_seconds: int = 12 * 3600
    identity_timeout_seconds: float = 10.0
    # The Temporal Web UI server the web proxies under /temporal/ (embedded mode: the dev
    # server's UI, started with --ui-public-path /temporal). Empty: /temporal/ answers 404.
    temporal_ui_upstream: str = "http://127.0.0.1:8233"
    platform: PlatformSettings = Field(default_factory=PlatformSettings)

    @property
    def effective_cookie_name(self) -> str:
        """Browsers refuse `__Host-` cookies without `Secure`: plain-HTTP mode drops the prefix."""
        if not self.cookie_secure and self.cookie_name.startswith("__Host-"):
            return self.cookie_name.removeprefix("__Host-")
        return self.cookie_name


@lru_cache
def get_settings() -> WebSettings:
    """The settings read once from the environment."""
    return WebSettings()
