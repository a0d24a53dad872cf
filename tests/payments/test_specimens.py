"""Cheque specimens parsed for real: inflation bombs, HTML polyglots and active PDFs refused,
images stored re-encoded (item 8 of issue 10)."""

from io import BytesIO
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.payments.factories import add_pad
from tests.subscriptions.factories import UserFactory
from tests.support.specimen_files import (
    HTML,
    JPEG,
    PDF,
    PNG,
    TEXT,
    fpdf2_pdf,
    jpeg_html_polyglot,
    pdf,
    pdf_bomb,
    png_bomb,
)


async def _refused(
    client: httpx.AsyncClient, users: UserFactory, specimen_dir: Path, content: bytes, name: str
) -> str:
    """Upload, expect a 422 on `specimen` with nothing stored; returns the rule's code."""
    user = await users()
    before = set(specimen_dir.iterdir())
    response = await add_pad(client, user, content, name)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "specimen"
    assert set(specimen_dir.iterdir()) == before
    return str(response.json()["errors"][0]["code"])


async def test_a_pdf_that_inflates_to_1_gib_is_refused(client, users, specimen_dir) -> None:
    bomb = pdf_bomb(1 << 30)
    assert len(bomb) < 5 * 1024 * 1024  # under the upload limit: only inflating shows it
    code = await _refused(client, users, specimen_dir, bomb, "cheque.pdf")
    assert code == "specimen_inflates"


@pytest.mark.parametrize(
    "content",
    [
        pdf((TEXT, None), tail=HTML),  # HTML after %%EOF
        pdf((b"BT (x) Tj ET " + HTML, None)),  # HTML inside an uncompressed stream
        jpeg_html_polyglot(),
        PNG + HTML,
    ],
    ids=["pdf-tail", "pdf-stream", "jpeg-comment", "png-tail"],
)
async def test_html_polyglots_are_refused(client, users, specimen_dir, content: bytes) -> None:
    code = await _refused(client, users, specimen_dir, content, "cheque.pdf")
    assert code == "specimen_unreadable"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n" + b"not a pdf at all " * 20,
        pdf((TEXT, None), extra_catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "),
        pdf((TEXT, None), (b"\x80\x0b\x60\x50", "LZWDecode")),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        b"\xff\xd8\xff\xe0" + b"\x00" * 64,
    ],
    ids=["pdf-garbage", "pdf-javascript", "pdf-lzw", "png-garbage", "jpeg-garbage"],
)
async def test_files_that_do_not_parse_or_carry_active_content_are_refused(
    client, users, specimen_dir, content: bytes
) -> None:
    code = await _refused(client, users, specimen_dir, content, "cheque.pdf")
    assert code == "specimen_unreadable"


async def test_a_png_declaring_ten_gigapixels_is_refused(client, users, specimen_dir) -> None:
    code = await _refused(client, users, specimen_dir, png_bomb(), "cheque.png")
    assert code == "specimen_inflates"


@pytest.mark.parametrize(("content", "kind"), [(PNG, "PNG"), (JPEG, "JPEG")])
async def test_images_are_stored_re_encoded_without_what_followed_them(
    client, users, specimen_dir, content: bytes, kind: str
) -> None:
    user = await users()
    before = set(specimen_dir.iterdir())
    trailing = b"\x00trailing bytes after the image end"
    response = await add_pad(client, user, content + trailing, f"cheque.{kind.lower()}")
    assert response.status_code == 201, response.text
    [stored] = set(specimen_dir.iterdir()) - before
    data = stored.read_bytes()
    assert trailing not in data and data != content + trailing
    with Image.open(BytesIO(data)) as image:
        assert (image.format, image.size) == (kind, (600, 280))


@pytest.mark.parametrize("content", [PDF, fpdf2_pdf()], ids=["hand-made", "fpdf2"])
async def test_a_real_pdf_is_stored_as_uploaded(
    client, users, specimen_dir, content: bytes
) -> None:
    user = await users()
    before = set(specimen_dir.iterdir())
    assert (await add_pad(client, user, content)).status_code == 201
    [stored] = set(specimen_dir.iterdir()) - before
    assert stored.read_bytes() == content
