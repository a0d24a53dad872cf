"""The platform's PDF documents (fpdf2): contracts, invoices, receipts. French comes first."""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

OPERATOR = "Société Parc-Auto du Québec (SPAQ)"
# ("h" heading | "s" section | "p" paragraph, text)
Lines = list[tuple[str, str]]


def labelled(label_id: str, value: object, language: str) -> str:
    """`Label : value` (French spacing) or `Label: value`, the label from the catalogs."""
    from servicekit.i18n import gettext, translate

    return translate("pdf.labelled", language, label=gettext(label_id, language), value=value)


@dataclass(frozen=True)
class Fonts:
    """TrueType files for the body text (Unicode: every name renders, « Lœuillet », « O’Neil »)."""

    regular: str
    bold: str


# DejaVu Sans, shipped inside the package (servicekit/fonts, licence in LICENSE.txt), so every
# image and machine renders the same PDF without a host font.
_FONT_DIR = files("servicekit") / "fonts"
PACKAGED_FONTS = Fonts(str(_FONT_DIR / "DejaVuSans.ttf"), str(_FONT_DIR / "DejaVuSans-Bold.ttf"))


def available_fonts(regular: str = "", bold: str = "") -> Fonts:
    """The configured TrueType fonts, or the packaged ones when none is configured.

    A configured font that is missing stops the service at start (FileNotFoundError): a
    silent fallback would change every document's look without anyone noticing."""
    if not regular and not bold:
        return PACKAGED_FONTS
    for path in (regular, bold):
        if not Path(path).is_file():
            raise FileNotFoundError(f"document font not found: {path!r}")
    return Fonts(regular, bold)


@cache
def document_class() -> Any:
    """The document type, built at the first document: fpdf2 brings fontTools and Pillow, tens
    of MiB that a process which never renders one (most of the time) need not hold (issue 14).
    """
    from fpdf import FPDF

    class Document(FPDF):
        """A Letter-size document written as pages of `Lines`."""

        def __init__(self, fonts: Fonts) -> None:
            super().__init__(format="Letter")
            self.set_margins(20, 20, 20)
            self.set_auto_page_break(True, margin=20)
            self.add_font("Body", "", fonts.regular)
            self.add_font("Body", "B", fonts.bold)
            self.body_font = "Body"

        def write_lines(self, lines: Lines) -> None:
            """One page (more if it overflows) of headings, sections and paragraphs."""
            self.add_page()
            for kind, text in lines:
                size, style, gap = {"h": (16, "B", 4), "s": (12, "B", 3), "p": (10, "", 1)}[kind]
                if kind == "s":
                    self.ln(3)
                self.set_font(self.body_font, style, size)
                self.multi_cell(0, size * 0.5 + gap, text, new_x="LMARGIN", new_y="NEXT")

    return Document


def render(title: str, pages: list[Lines], fonts: Fonts, compress: bool = True) -> bytes:
    """A document whose pages are given in order (French first). CPU-bound: run in a thread."""
    pdf = document_class()(fonts)
    pdf.set_compression(compress)
    pdf.set_title(title)
    pdf.set_author(OPERATOR)
    for lines in pages:
        pdf.write_lines(lines)
    return bytes(pdf.output())
