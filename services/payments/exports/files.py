"""Writing export files so that a reader (a bank upload, an employer's pickup) never sees a
half-written one: each file is written beside its final name, flushed, then renamed over it.

Blocking file I/O: called through `asyncio.to_thread`.
"""

import os
import re
import tempfile
import unicodedata
from pathlib import Path

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def write_atomic(path: Path, content: bytes) -> None:
    """Replace `path` with `content` in one rename (same folder, so the same file system)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def slug(text: str) -> str:
    """`Hôpital de Hull (CISSSO)` -> `hopital-de-hull-cissso`: a file name from a label."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Œ", "OE").replace("œ", "oe"))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-") or "etablissement"


def unique_slugs(labels: list[str]) -> dict[str, str]:
    """A distinct slug per label, in sorted order (two labels sharing one get `-2`, `-3`...)."""
    taken: dict[str, str] = {}
    used: set[str] = set()
    for label in sorted(labels):
        base = candidate = slug(label)
        number = 1
        while candidate in used:
            number += 1
            candidate = f"{base}-{number}"
        used.add(candidate)
        taken[label] = candidate
    return taken


def replace_folder(folder: Path, files: dict[str, bytes], suffix: str) -> list[Path]:
    """Write `<folder>/<name><suffix>` for each file and remove the folder's other `suffix`
    files, left by an earlier run whose rows have changed since: the folder is the export."""
    written = []
    for name in sorted(files):
        path = folder / f"{name}{suffix}"
        write_atomic(path, files[name])
        written.append(path)
    if folder.is_dir():
        for stale in folder.glob(f"*{suffix}"):
            if stale not in written:
                stale.unlink(missing_ok=True)
    return written
