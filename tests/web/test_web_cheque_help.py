"""The cheque drawing of « Obtenir de l'aide »: its bank symbols are drawn (no empty boxes) and
callout ① sits beside the address it points at, not over it."""

import re
from pathlib import Path

CHEQUE = Path(__file__).resolve().parents[2] / "web" / "templates" / "payments" / "_cheque.html"
# Glyph width of the serif text, as a share of its size (generous: real widths are ~0.5).
GLYPH = 0.62


def svg() -> str:
    return CHEQUE.read_text()


def test_the_bank_symbols_are_drawn_not_typed() -> None:
    text = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg()))
    assert not re.search("[\u2446-\u2449]", text), "few fonts have the E-13B characters"
    assert svg().count('href="#micr-transit"') == 2 and 'href="#micr-on-us"' in svg()


def test_callout_1_does_not_cover_the_bank_name_or_its_address() -> None:
    circle = re.search(r'<circle cx="(\d+)" cy="(\d+)" r="(\d+)"[^>]*/><text[^>]*>1</text>', svg())
    assert circle
    cx, cy, r = (int(v) for v in circle.groups())
    pattern = r'<text x="(\d+)" y="(\d+)" font-size="(\d+)"[^>]*>([^<]+)</text>'
    top_lines = re.findall(pattern, svg())
    for x, y, size, words in top_lines:
        left, baseline, height = int(x), int(y), int(size)
        if baseline > 100 or left > 300:  # the bank block only (top left)
            continue
        right = left + len(words) * height * GLYPH
        overlaps_x = cx - r < right and cx + r > left
        overlaps_y = cy - r < baseline and cy + r > baseline - height
        assert not (overlaps_x and overlaps_y), (words, (cx, cy, r))
