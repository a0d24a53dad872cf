"""The platform's PDF documents (fpdf2): contracts, invoices, receipts. French comes first."""

import copy
import io
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
            for style, path in (("", fonts.regular), ("B", fonts.bold)):  # as add_font("Body")
                key = f"body{style}"
                self.fonts[key] = _font_of_document(path, style, key, len(self.fonts) + 1)
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


# Tables fpdf2 drops from every font it embeds (fpdf/output.py): removed once from the file
# read, so that subsetting at each document's output does not decompile them first (GPOS and
# GSUB were ~40 % of a contract's CPU, issue 14).
UNUSED_TABLES = ("FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "kern")


@cache
def _font_file(path: str) -> bytes:
    """The TrueType file without the tables no document uses, read once per process."""
    from fontTools import ttLib

    font = ttLib.TTFont(path, recalcTimestamp=False)
    for tag in UNUSED_TABLES:
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _open_font(path: str) -> Any:
    from fontTools import ttLib

    return ttLib.TTFont(io.BytesIO(_font_file(path)), recalcTimestamp=False, lazy=True)


@cache
def _parsed_font(path: str, style: str) -> Any:
    """A font's metrics and character map, read once per process (parsing them at every
    document was ~60 % of a contract's CPU, issue 14). Never written out: documents get copies."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    font = TTFFont(FPDF(), Path(path), f"body{style}", style)
    font.ttfont = _open_font(path)
    return font


def _font_of_document(path: str, style: str, key: str, index: int) -> Any:
    """A document's own font: the parsed metrics shared (read only), its own font file handle
    (fpdf2 subsets it in place at output) and its own glyph subset, so documents rendered at
    the same time in threads never share what one of them changes."""
    from fpdf.fonts import SubsetMap

    font = copy.copy(_parsed_font(path, style))
    font.i, font.fontkey = index, key
    font.ttfont = _open_font(path)  # cheap (lazy: tables read on use); subsetting changes it
    font.cw = font.cw.copy()  # a defaultdict: a missing character's lookup inserts its width
    font.glyph_ids = dict(font.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    return font


def render(title: str, pages: list[Lines], fonts: Fonts, compress: bool = True) -> bytes:
    """A document whose pages are given in order (French first). CPU-bound: run in a thread."""
    pdf = document_class()(fonts)
    pdf.set_compression(compress)
    pdf.set_title(title)
    pdf.set_author(OPERATOR)
    for lines in pages:
        pdf.write_lines(lines)
    return bytes(pdf.output())
