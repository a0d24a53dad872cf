"""Cheque specimens made for the tests: real PDFs, PNGs and JPEGs, and crafted hostile ones."""

import zlib
from io import BytesIO

from PIL import Image, ImageDraw

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def pdf(*streams: tuple[bytes, str | None], extra_catalog: bytes = b"", tail: bytes = b"") -> bytes:
    """A one-page PDF whose page content is the first stream; each stream with its /Filter."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
    ]
    for data, filter_name in streams:
        header = b"<< /Length %d" % len(data)
        if filter_name:
            header += b" /Filter /" + filter_name.encode()
        objects.append(header + b" >>\nstream\n" + data + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out) + tail


TEXT = b"BT /F1 14 Tf 72 720 Td (Banque Exemple - SPECIMEN - ANNULE) Tj ET"
PDF = pdf((zlib.compress(TEXT), "FlateDecode"))


def pdf_of_size(size: int) -> bytes:
    """A valid PDF of exactly `size` bytes (its second stream, uncompressed, takes the rest)."""
    base = len(pdf((TEXT, None), (b"", None)))
    padding = size - base
    for _ in range(3):  # the /Length's digits change the size: settle it
        candidate = pdf((TEXT, None), (b"0" * padding, None))
        padding += size - len(candidate)
    assert len(candidate) == size
    return candidate


def pdf_bomb(inflated: int) -> bytes:
    """A PDF whose one Flate stream inflates to `inflated` zero bytes (1 GiB fits in ~1 MB)."""
    deflater = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    parts = [deflater.compress(chunk) for _ in range(inflated >> 20)]
    parts.append(deflater.flush())
    return pdf((zlib.compress(TEXT), "FlateDecode"), (b"".join(parts), "FlateDecode"))


def fpdf2_pdf() -> bytes:
    """A PDF as fpdf2 writes it (an /OpenAction setting the view, a JPEG, an embedded font)."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=14)
    document.cell(text="Banque Exemple - SPECIMEN - ANNULE")
    document.image(BytesIO(image("JPEG")), x=10, y=30, w=100)
    return bytes(document.output())


def image(kind: str, size: tuple[int, int] = (600, 280)) -> bytes:
    """A cheque-like picture in PNG or JPEG."""
    picture = Image.new("RGB", size, "white")
    ImageDraw.Draw(picture).text((20, 20), "SPECIMEN - ANNULE", fill="black")
    out = BytesIO()
    picture.save(out, format=kind)
    return out.getvalue()


PNG, JPEG = image("PNG"), image("JPEG")


def png_bomb() -> bytes:
    """A small PNG declaring 100,000 x 100,000 pixels (10 gigapixels once decoded)."""
    picture = Image.new("1", (10_000, 10_000))
    out = BytesIO()
    picture.save(out, format="PNG", optimize=True)
    data = bytearray(out.getvalue())
    # Rewrite IHDR's width and height, then its CRC: the header is all a decoder trusts first.
    data[16:24] = (100_000).to_bytes(4, "big") * 2
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG carrying an HTML page in a comment segment (browsers sniffing see HTML)."""
    comment = b"\xff\xfe" + (len(HTML) + 2).to_bytes(2, "big") + HTML
    return JPEG[:2] + comment + JPEG[2:]
