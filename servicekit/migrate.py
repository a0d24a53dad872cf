"""Run each service's Alembic migrations: `python -m servicekit.migrate identity payments ...`."""

import sys
from importlib import import_module
from pathlib import Path

from alembic import command
from alembic.config import Config


def alembic_config(service: str, database_url: str | None = None) -> Config:
    """The Alembic config of `services/<service>/migrations`, pointed at the service's database."""
    package = import_module(f"services.{service}")
    folder = Path(str(package.__file__)).parent / "migrations"
    config = Config()
    config.set_main_option("script_location", str(folder))
    if database_url is None:
        settings_module = import_module(f"services.{service}.config")
        database_url = settings_module.get_settings().database_url
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(service: str, database_url: str | None = None) -> None:
    """Bring one service's database to the newest revision."""
    command.upgrade(alembic_config(service, database_url), "head")


def main(argv: list[str]) -> None:
    """Upgrade every service named on the command line."""
    for service in argv or ["identity", "subscriptions", "payments"]:
        upgrade(service)
        print(f"migrated {service}")


if __name__ == "__main__":
    main(sys.argv[1:])
