"""Import claim notices from a CSV file: every line valid, or nothing imported."""

import csv
import io
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from servicekit.errors import FieldError
from services.payments.claims import repository as repo
from services.payments.claims.schemas import ClaimNoticeIn, ImportLineError, ImportResult
from services.payments.claims.service import new_notice

COLUMNS = ("number", "plate", "site_id", "issued_on", "amount_cents", "due_on")
MAX_BYTES = 2 * 1024 * 1024
# Errors a model validator raises name no field; they belong to this one.
MODEL_ERROR_FIELDS = {"due_before_issue": "due_on"}


def decode(content: bytes) -> str:
    """The file's text (UTF-8, with or without BOM); 422 on the `file` field otherwise."""
    if len(content) > MAX_BYTES:
        raise FieldError("file", "import_too_large")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FieldError("file", "encoding_invalid") from exc


def _field_errors(line: int, exc: ValidationError) -> Iterator[ImportLineError]:
    for err in exc.errors():
        loc = err.get("loc") or ()
        field = str(loc[0]) if loc else MODEL_ERROR_FIELDS.get(err["type"], "line")
        yield ImportLineError(line=line, field=field, code=err["type"])


def _row(raw: dict[Any, Any]) -> dict[str, str]:
    # Empty cells are missing values, not empty strings to validate.
    return {k: v.strip() for k, v in raw.items() if k in COLUMNS and v and v.strip()}


def parse(text: str) -> tuple[list[tuple[int, ClaimNoticeIn]], list[ImportLineError]]:
    """Valid rows with their line numbers, and every error found (header is line 1)."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return [], [ImportLineError(line=1, field=c, code="missing") for c in missing]
    reader.fieldnames = header
    rows: list[tuple[int, ClaimNoticeIn]] = []
    errors: list[ImportLineError] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            errors.append(ImportLineError(line=line, field="line", code="too_many_fields"))
            continue
        try:
            rows.append((line, ClaimNoticeIn.model_validate(_row(raw))))
        except ValidationError as exc:
            errors.extend(_field_errors(line, exc))
    return rows, errors


def _duplicates(rows: list[tuple[int, ClaimNoticeIn]], taken: set[str]) -> list[ImportLineError]:
    seen: set[str] = set()
    errors = []
    for line, row in rows:
        if row.number in taken:
            errors.append(ImportLineError(line=line, field="number", code="claim_number_taken"))
        elif row.number in seen:
            errors.append(ImportLineError(line=line, field="number", code="duplicate_number"))
        seen.add(row.number)
    return errors


async def import_csv(session: AsyncSession, operator_id: str, content: bytes) -> ImportResult:
    """Validate every line; import them all only when none has an error."""
    rows, errors = parse(decode(content))
    taken = await repo.numbers_taken(session, [row.number for _, row in rows])
    errors = sorted(errors + _duplicates(rows, taken), key=lambda e: (e.line, e.field))
    if errors:
        return ImportResult(imported=0, errors=errors)
    session.add_all(new_notice(row, operator_id) for _, row in rows)
    await session.flush()
    return ImportResult(imported=len(rows), errors=[])
