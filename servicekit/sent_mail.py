"""The sent-mail ledger: each message's stable Message-ID, recorded around its SMTP hand-over.

SMTP has no idempotency: a relay that answered 250 has taken the message, and nothing in the
protocol lets a sender ask "did you already take this one?". An activity whose worker dies after
the 250 but before Temporal records its completion is retried, and would send again. So every
send goes through here: `already_sent` is checked first, `attempting` notes the try, and
`record_sent` is written right after the 250. A retry then finds the message sent and skips it.
What is left is the instant between the 250 and that write (docs/crash-safety.md).

The ledger is the worker's own small database (`SMTP_LEDGER_URL`: an SQLite file in the
embedded mode, PostgreSQL shared by every worker in production). Its one table is created on
first use: it holds no business data, only keys and instants, and has no history to migrate.
"""

import asyncio
from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, String, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import UTCDateTime, make_engine, utcnow

metadata = MetaData()
sent_mail = Table(
    "sent_mail",
    metadata,
    Column("message_id", String(512), primary_key=True),
    Column("state", String(16), nullable=False),  # "sending", then "sent" after SMTP's 250
    Column("attempts", Integer, nullable=False),
    Column("first_attempt_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
)


class SentMailLedger:
    """Which Message-IDs SMTP already accepted; shared by every email activity of a worker."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: AsyncEngine | None = None
        self._ready = asyncio.Lock()

    async def _connected(self) -> AsyncEngine:
        async with self._ready:
            if self._engine is None:
                engine = make_engine(self.url)
                async with engine.begin() as connection:
                    await connection.run_sync(metadata.create_all, checkfirst=True)
                self._engine = engine
            return self._engine

    async def already_sent(self, message_id: str) -> bool:
        """True when SMTP accepted this Message-ID before (the send must be skipped)."""
        engine = await self._connected()
        async with engine.connect() as connection:
            query = select(sent_mail.c.state).where(sent_mail.c.message_id == message_id)
            return (await connection.execute(query)).scalar_one_or_none() == "sent"

    async def attempting(self, message_id: str) -> None:
        """Note a try before SMTP (operators can count tries that ended in doubt)."""
        engine = await self._connected()
        insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(sent_mail).values(
            message_id=message_id, state="sending", attempts=1, first_attempt_at=utcnow()
        )
        statement = statement.on_conflict_do_update(
            index_elements=[sent_mail.c.message_id],
            set_={"attempts": sent_mail.c.attempts + 1},
        )
        async with engine.begin() as connection:
            await connection.execute(statement)

    async def record_sent(self, message_id: str, at: datetime | None = None) -> None:
        """Mark the Message-ID sent: called right after SMTP's 250."""
        engine = await self._connected()
        async with engine.begin() as connection:
            await connection.execute(
                update(sent_mail)
                .where(sent_mail.c.message_id == message_id)
                .values(state="sent", sent_at=at or utcnow())
            )

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None
