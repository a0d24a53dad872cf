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

        def __init__(self, fonts: Fonts, latin: bool = False) -> None:
            super().__init__(format="Letter")
            self.set_margins(20, 20, 20)
            self.set_auto_page_break(True, margin=20)
            for style, path in (("", fonts.regular), ("B", fonts.bold)):  # as add_font("Body")
                key = f"body{style}"
                index = len(self.fonts) + 1
                self.fonts[key] = _font_of_document(path, style, key, index, latin)
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


# The characters of nearly every document: Latin (French, English and the Latin-script names of
# the world, Vietnamese included), punctuation, currency. A document whose text stays within them
# is written with a copy of the font cut down to them (~1,000 glyphs instead of DejaVu's ~6,000):
# fpdf2 subsets the font at each output, decompiling every glyph of the file it has, which was
# most of a contract's CPU (issue 14). Any other character (Greek, Cyrillic...) gets the full font.
LATIN = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x2B0, 0x36F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
    (0x2100, 0x214F),
)


def _latin_codepoints() -> list[int]:
    return [c for low, high in LATIN for c in range(low, high + 1)]


@cache
def _font_file(path: str, latin: bool) -> bytes:
    """The TrueType file without the tables no document uses (and, `latin`, cut down to the
    LATIN characters), made once per process."""
    from fontTools import subset, ttLib

    font = ttLib.TTFont(path, recalcTimestamp=False)
    for tag in UNUSED_TABLES:
        if tag in font:
            del font[tag]
    if latin:
        options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
        options.layout_features = []
        options.name_IDs = ["*"]  # the name fpdf2 writes in the PDF stays DejaVu's
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=_latin_codepoints())
        cutter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _open_font(path: str, latin: bool) -> Any:
    from fontTools import ttLib

    data = io.BytesIO(_font_file(path, latin))
    return ttLib.TTFont(data, recalcTimestamp=False, lazy=True)


@cache
def _parsed_font(path: str, style: str, latin: bool) -> Any:
    """A font's metrics and character map, read once per process (parsing them at every
    document was ~60 % of a contract's CPU, issue 14). Never written out: documents get copies."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    font = TTFFont(FPDF(), io.BytesIO(_font_file(path, latin)), f"body{style}", style)  # type: ignore[arg-type]
    font.ttfont = _open_font(path, latin)
    return font


@cache
def _latin_covers(path: str) -> frozenset[int]:
    return frozenset(_parsed_font(path, "", True).cmap)


def _font_of_document(path: str, style: str, key: str, index: int, latin: bool) -> Any:
    """A document's own font: the parsed metrics shared (read only), its own font file handle
    (fpdf2 subsets it in place at output) and its own glyph subset, so documents rendered at
    the same time in threads never share what one of them changes."""
    from fpdf.fonts import SubsetMap

    font = copy.copy(_parsed_font(path, style, latin))
    font.i, font.fontkey = index, key
    font.ttfont = _open_font(path, latin)  # cheap (lazy: tables read on use); subsetting changes it
    font.cw = font.cw.copy()  # a defaultdict: a missing character's lookup inserts its width
    font.glyph_ids = dict(font.glyph_ids)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    return font


def _only_latin(fonts: Fonts, title: str, pages: list[Lines]) -> bool:
    """Whether every character of the document is in both fonts' LATIN cut."""
    used = {ord(c) for c in title} | {ord(c) for lines in pages for _, text in lines for c in text}
    used -= {0x0A, 0x0D, 0x09}
    return all(used <= _latin_covers(path) for path in (fonts.regular, fonts.bold))


def render(title: str, pages: list[Lines], fonts: Fonts, compress: bool = True) -> bytes:
    """A document whose pages are given in order (French first). CPU-bound: run in a thread."""
    pdf = document_class()(fonts, _only_latin(fonts, title, pages))
    pdf.set_compression(compress)
    pdf.set_title(title)
    pdf.set_author(OPERATOR)
    for lines in pages:
        pdf.write_lines(lines)
    return bytes(pdf.output())
