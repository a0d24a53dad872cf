"""Cheque specimens (RULES.md, uploads): type by magic bytes, 5 MB at most, parsed for real
(`specimen_check`), named by the server, kept in a folder nothing serves, read back only through
the owner's or an operator's request."""

import secrets
from pathlib import Path

from services.payments.errors import field_error

MAX_BYTES = 5 * 1024 * 1024
# (leading bytes, media type, extension): the content decides, never the name or the header.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


def sniff(content: bytes) -> tuple[str, str]:
    """(media type, extension) of an accepted specimen, else a 422 on `specimen`."""
    if len(content) > MAX_BYTES:
        raise field_error("specimen", "specimen_too_large")
    for magic, media_type, extension in SIGNATURES:
        if content.startswith(magic):
            return media_type, extension
    raise field_error("specimen", "specimen_type")


def accept(content: bytes) -> tuple[str, str, bytes]:
    """(media type, extension, bytes to store) of an accepted specimen, else a 422 on `specimen`.

    CPU-bound (parsing, re-encoding): callers run it in a thread."""
    # pypdf and Pillow (tens of MiB) are loaded at the first specimen, not at start (issue 14).
    from services.payments.specimen_check import SpecimenRefused, checked

    media_type, extension = sniff(content)
    try:
        return media_type, extension, checked(content, media_type)
    except SpecimenRefused as refused:
        raise field_error("specimen", refused.rule) from refused


def save(folder: str, content: bytes, extension: str) -> str:
    """Write the file under a random name of our own; the name is returned, not a path."""
    directory = Path(folder)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{secrets.token_hex(16)}.{extension}"
    (directory / name).write_bytes(content)
    return name


def path_of(folder: str, name: str) -> Path:
    """The stored file's path (names are ours: no separator can reach outside the folder)."""
    if Path(name).name != name:
        raise ValueError("not a specimen name")
    return Path(folder) / name


def read(folder: str, name: str) -> bytes:
    return path_of(folder, name).read_bytes()


def delete(folder: str, name: str) -> None:
    path_of(folder, name).unlink(missing_ok=True)
