"""The returns files the bank drops in a folder, imported by the pickup Schedule; then the
workflows of every return not told yet are told (`relay.tell_untold`).

Each file of `<pad_returns_dir>/incoming` is imported in its own transaction, exactly as an
operator's upload (all of it or nothing, once by its hash), then moved: to `imported/` once
applied (or found to be a repeat), to `refused/` with `<name>.error.json` (the refusal, naming
the line) when it cannot be. A file is moved only after its transaction committed, so a crash
in between leaves it in `incoming`, and the next run finds it a repeat that changes nothing.
"""

import asyncio
import json
import os
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from servicekit.db import transaction
from servicekit.errors import DomainError
from services.payments.claims.lifecycle import ReceiptLifecycle
from services.payments.returns import relay, service

SYSTEM = "system"


class PickedFile(BaseModel):
    name: str
    outcome: str  # "imported", "duplicate" or "refused"
    items: int = 0
    error: str | None = None


class PickupOut(BaseModel):
    files: list[PickedFile]
    told: int = 0  # returns whose workflow was told in this run (these files' and older ones)


def _incoming(folder: Path) -> list[Path]:
    (folder / "incoming").mkdir(parents=True, exist_ok=True)
    return sorted(p for p in (folder / "incoming").iterdir() if p.is_file())


def _move(path: Path, folder: Path, note: dict[str, object] | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.replace(path, folder / path.name)
    if note is not None:
        (folder / f"{path.name}.error.json").write_text(json.dumps(note, ensure_ascii=False))


async def pickup(
    sessions: async_sessionmaker[AsyncSession], root: str, temporal: ReceiptLifecycle
) -> PickupOut:
    """Import every waiting file, oldest name first; what each one became."""
    folder = Path(root)
    picked = []
    for path in await asyncio.to_thread(_incoming, folder):
        content = await asyncio.to_thread(path.read_bytes)
        try:
            async with transaction(sessions) as session:
                result = await service.import_returns(session, content, path.name, SYSTEM)
        except DomainError as exc:
            await asyncio.to_thread(_move, path, folder / "refused", exc.body())
            picked.append(PickedFile(name=path.name, outcome="refused", error=exc.code))
            continue
        await asyncio.to_thread(_move, path, folder / "imported")
        outcome = "duplicate" if result.duplicate else "imported"
        picked.append(PickedFile(name=path.name, outcome=outcome, items=len(result.items)))
    told = await relay.tell_untold(temporal, sessions)
    return PickupOut(files=picked, told=told)
