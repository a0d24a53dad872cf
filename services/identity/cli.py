"""Identity administration: `python -m services.identity.cli create-operator EMAIL`.

The password is asked twice on the terminal, or read from OPERATOR_PASSWORD when there is none.
"""

import argparse
import asyncio
import getpass
import os
import sys
import uuid

from pydantic import TypeAdapter, ValidationError

from servicekit.db import make_engine, make_sessionmaker, utcnow
from services.identity import repository as repo
from services.identity.config import get_settings
from services.identity.models import Account
from services.identity.schemas import Email, NewPassword
from services.identity.security import hash_password


def _password() -> str:
    if os.environ.get("OPERATOR_PASSWORD"):
        return os.environ["OPERATOR_PASSWORD"]
    first = getpass.getpass("Mot de passe / Password: ")
    if first != getpass.getpass("Confirmation: "):
        sys.exit("Les mots de passe diffèrent. / Passwords differ.")
    return first


async def create_operator(email: str, password: str, keep_existing: bool = False) -> str:
    """Create a verified operator account, or give the operator role to an existing one.

    `keep_existing` leaves an existing operator as it is, password included: the deployment
    jobs run at every start, and must not undo a password the operator has since changed."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    async with make_sessionmaker(engine)() as session, session.begin():
        account = await repo.account_by_email(session, email)
        if account is not None and keep_existing and account.role == "operator":
            outcome = "unchanged"
        elif account is None:
            account = Account(
                id=str(uuid.uuid4()),
                email=email,
                role="operator",
                verified_at=utcnow(),
                password_hash=await hash_password(settings, password),
                emails_this_hour=0,
            )
            session.add(account)
            outcome = "created"
        else:
            account.role = "operator"
            account.verified_at = account.verified_at or utcnow()
            account.password_hash = await hash_password(settings, password)
            outcome = "promoted"
    await engine.dispose()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(prog="services.identity.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-operator", help="create or promote an operator account")
    create.add_argument("email")
    create.add_argument(
        "--keep-existing",
        action="store_true",
        help="leave an existing operator account (and its password) as it is",
    )
    args = parser.parse_args()
    try:
        email = TypeAdapter(Email).validate_python(args.email)
        password = TypeAdapter(NewPassword).validate_python(_password())
    except ValidationError as exc:
        sys.exit(f"Refusé / Refused: {exc.errors()[0]['type']}")
    outcome = asyncio.run(create_operator(email, password, args.keep_existing))
    print(f"operator {outcome}: {email}")


if __name__ == "__main__":
    main()
