"""A cheque specimen's content checked for real: the PDF parsed with its streams inflated under a
budget, images decoded and re-encoded, HTML polyglots and active PDF content refused.

The magic bytes only say what a file claims to be; a 1 MB PDF can inflate to 1 GiB and a JPEG
can also be an HTML page. So a specimen is kept only if a parser reads it whole within bounds,
and an image is stored as the pixels we re-encoded, never as the bytes we received.
"""

import re
import warnings
import zlib
from collections.abc import Iterator
from io import BytesIO
from typing import Any

from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode
from pypdf.generic import StreamObject

MAX_INFLATED = 64 * 1024 * 1024  # every PDF stream decoded, together
MAX_PDF_PAGES = 20
MAX_PDF_OBJECTS = 20_000
MAX_PIXELS = 40_000_000  # a letter page scanned at 600 dpi is 33.7 million
GREY_MODES = ("1", "L", "LA", "I", "I;16")

# Tags a browser would render as a page; long enough (with the character after) that random
# compressed bytes hold one by chance about once in thousands of 5 MB files.
HTML_MARKER = re.compile(
    rb"<(?:!doctype|html|head|body|script|iframe|object|embed|svg|img|meta|style|form)[\s/>]",
    re.IGNORECASE,
)
# PDF actions that run, send or carry something: a cheque photocopy needs none of them. (An
# /OpenAction or /AA that only sets the view, as fpdf2 and many writers do, is harmless.)
ACTIVE_PDF = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|SubmitForm|ImportData|GoToE)\b"
)
PASS_THROUGH = {"/DCTDecode", "/DCT", "/JPXDecode", "/CCITTFaxDecode", "/CCF", "/JBIG2Decode"}
ASCII_FILTERS: dict[str, type[ASCIIHexDecode] | type[ASCII85Decode]] = {
    "/ASCIIHexDecode": ASCIIHexDecode,
    "/AHx": ASCIIHexDecode,
    "/ASCII85Decode": ASCII85Decode,
    "/A85": ASCII85Decode,
}


class SpecimenRefused(Exception):
    """The specimen is refused; `rule` is the field error's code."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


def checked(content: bytes, media_type: str) -> bytes:
    """The bytes to store for a specimen whose magic bytes said `media_type`, or SpecimenRefused."""
    if HTML_MARKER.search(content):
        raise SpecimenRefused("specimen_unreadable")
    if media_type == "application/pdf":
        check_pdf(content)
        return content
    return reencode_image(content, "PNG" if media_type == "image/png" else "JPEG")


# --- PDF ------------------------------------------------------------------------------------


def check_pdf(content: bytes) -> None:
    """Parse the PDF, inflate every stream under the budget, refuse active content."""
    if ACTIVE_PDF.search(content):
        raise SpecimenRefused("specimen_unreadable")
    try:
        reader = PdfReader(BytesIO(content), strict=False)
        budget = [MAX_INFLATED]
        # Streams first (object streams included), each inflated under the budget; only then
        # the pages, whose reading may open object streams already known to be small.
        for stream in _streams(reader):
            decoded = _decoded(stream, budget)
            if stream.get("/Type") == "/ObjStm" and ACTIVE_PDF.search(decoded):
                raise SpecimenRefused("specimen_unreadable")
        pages = len(reader.pages)
    except SpecimenRefused:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, zlib.error) as exc:
        raise SpecimenRefused("specimen_unreadable") from exc
    if not 1 <= pages <= MAX_PDF_PAGES:
        raise SpecimenRefused("specimen_unreadable")


def _streams(reader: PdfReader) -> Iterator[StreamObject]:
    """Every stream stored directly in the file (object streams are streams themselves)."""
    numbers = [(num, gen) for gen, table in reader.xref.items() for num in table]
    if len(numbers) > MAX_PDF_OBJECTS:
        raise SpecimenRefused("specimen_unreadable")
    for num, gen in numbers:
        obj = reader.get_object(num) if gen == 0 else None
        if isinstance(obj, StreamObject):
            yield obj


def _filters(stream: StreamObject) -> list[str]:
    names: Any = stream.get("/Filter") or []
    return [str(names)] if not isinstance(names, list) else [str(n) for n in names]


def _decoded(stream: StreamObject, budget: list[int]) -> bytes:
    """The stream's bytes through its filters; image codecs stay encoded (never rendered here)."""
    data: bytes = stream._data  # the raw bytes: pypdf's get_data() would inflate without our bound
    for name in _filters(stream):
        if name in PASS_THROUGH:
            break
        if name in ("/FlateDecode", "/Fl"):
            data = _inflate(data, budget[0])
        elif name in ASCII_FILTERS:
            data = ASCII_FILTERS[name].decode(data)
        else:  # LZW, RunLength, Crypt, unknown: not used by scanners, and each can bomb
            raise SpecimenRefused("specimen_unreadable")
    budget[0] -= len(data)
    if budget[0] < 0:
        raise SpecimenRefused("specimen_inflates")
    return data


def _inflate(data: bytes, limit: int) -> bytes:
    """zlib-inflate at most `limit` bytes; more means the file expands past the budget."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise SpecimenRefused("specimen_inflates")
    return out


# --- Images ---------------------------------------------------------------------------------


def reencode_image(content: bytes, kind: str) -> bytes:
    """Decode the image under the pixel bound and encode its pixels afresh, metadata dropped."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(BytesIO(content), formats=[kind]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise SpecimenRefused("specimen_inflates")
                image.load()
                pixels = image.convert("L" if image.mode in GREY_MODES else "RGB")
    except SpecimenRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SpecimenRefused("specimen_inflates") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise SpecimenRefused("specimen_unreadable") from exc
    out = BytesIO()
    options = {"quality": 90} if kind == "JPEG" else {"optimize": True}
    pixels.save(out, format=kind, **options)
    return out.getvalue()
