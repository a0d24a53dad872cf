"""The platform's PDF documents (fpdf2): contracts, invoices, receipts. French comes first."""

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

OPERATOR = "Société Parc-Auto du Québec (SPAQ)"
# ("h" heading | "s" section | "p" paragraph, text)
Lines = list[tuple[str, str]]


def labelled(label_id: str, value: object, language: str) -> str:
    """`Label : value` (French spacing) or `Label: value`, the label from the catalogs."""
    from servicekit.i18n import gettext, translate

    return translate("pdf.labelled", language, label=gettext(label_id, language), value=value)


@dataclass(frozen=True)
class Fonts:
    """TrueType files for the body text; None means fpdf2's core fonts (Latin-1: every French
    accent)."""

    regular: str | None
    bold: str | None


CORE_FONTS = Fonts(None, None)


def available_fonts(regular: str, bold: str) -> Fonts:
    """The configured TrueType fonts when both exist on this machine."""
    if Path(regular).is_file() and Path(bold).is_file():
        return Fonts(regular, bold)
    return CORE_FONTS


class Document(FPDF):
    """A Letter-size document written as pages of `Lines`."""

    def __init__(self, fonts: Fonts) -> None:
        super().__init__(format="Letter")
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=20)
        if fonts.regular and fonts.bold:
            self.add_font("Body", "", fonts.regular)
            self.add_font("Body", "B", fonts.bold)
            self.body_font = "Body"
        else:
            self.body_font = "Helvetica"

    def write_lines(self, lines: Lines) -> None:
        """One page (more if it overflows) of headings, sections and paragraphs."""
        self.add_page()
        for kind, text in lines:
            size, style, gap = {"h": (16, "B", 4), "s": (12, "B", 3), "p": (10, "", 1)}[kind]
            if kind == "s":
                self.ln(3)
            self.set_font(self.body_font, style, size)
            self.multi_cell(0, size * 0.5 + gap, text, new_x="LMARGIN", new_y="NEXT")


def render(title: str, pages: list[Lines], fonts: Fonts, compress: bool = True) -> bytes:
    """A document whose pages are given in order (French first). CPU-bound: run in a thread."""
    pdf = Document(fonts)
    pdf.set_compression(compress)
    pdf.set_title(title)
    pdf.set_author(OPERATOR)
    for lines in pages:
        pdf.write_lines(lines)
    return bytes(pdf.output())
