"""PDFs made by the renderer process (`servicekit.pdf_worker`): the same document as in the
service, a failure reported without losing the renderer, and no process left once idle."""

import asyncio
import io

from pypdf import PdfReader

from servicekit.pdf import PACKAGED_FONTS, Fonts, Lines
from servicekit.pdf_worker import PdfRenderer, RenderFailed

PAGES: list[Lines] = [
    [("h", "Contrat d'abonnement"), ("p", "Abonné : Éloïse Lœuillet")],
    [("h", "Subscription contract"), ("p", "Subscriber: Éloïse Lœuillet")],
]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_the_renderer_makes_the_document_and_stops_when_idle() -> None:
    renderer = PdfRenderer(idle_seconds=0.2)
    made = await asyncio.gather(
        *(renderer.render("T", PAGES, PACKAGED_FONTS, True) for _ in range(3))
    )

    assert all(pdf.startswith(b"%PDF") for pdf in made)
    text = _text(made[0])
    assert "Éloïse Lœuillet" in text and text.index("Contrat") < text.index("Subscription")
    assert renderer.running

    for _ in range(50):  # idle: the renderer process ends by itself
        await asyncio.sleep(0.1)
        if not renderer.running:
            break
    assert not renderer.running


async def test_a_failed_render_is_reported_and_the_next_one_works() -> None:
    renderer = PdfRenderer()
    try:
        missing = Fonts("/nowhere/regular.ttf", "/nowhere/bold.ttf")
        try:
            await renderer.render("T", PAGES, missing, True)
            raise AssertionError("rendered without its font")
        except RenderFailed as exc:
            assert "regular.ttf" in str(exc)
        assert "Contrat" in _text(await renderer.render("T", PAGES, PACKAGED_FONTS, True))
    finally:
        await renderer.stop()
    assert not renderer.running


async def test_a_render_given_up_midway_does_not_spoil_the_next() -> None:
    renderer = PdfRenderer()
    try:
        long = asyncio.create_task(renderer.render("T", PAGES * 40, PACKAGED_FONTS, True))
        await asyncio.sleep(0.05)
        long.cancel()
        await asyncio.gather(long, return_exceptions=True)
        assert "Subscription" in _text(await renderer.render("T", PAGES, PACKAGED_FONTS, True))
    finally:
        await renderer.stop()
