"""PDFs rendered in a process of their own, so that a render never stalls a service's event loop.

fpdf2 is pure Python: a contract took tens to hundreds of milliseconds of CPU, and in a thread
it still held the GIL, so every request of the subscriptions (or payments) service waited
behind it; py-spy showed the event loop's thread waiting for the GIL while `fpdf` ran (issue 14).
Here the service builds the document's lines (cheap: catalog look-ups) and a renderer process
(`python -m servicekit.pdf_worker`) turns them into the PDF; the service awaits its answer on
a pipe without blocking its loop.

The renderer starts at the first render (most processes never render a document, and fpdf2
with fontTools and Pillow weighs tens of MiB) and stops after `IDLE_SECONDS` without one.
Renders of one service are done one at a time, in order. A renderer that dies, or a render
given up midway (its caller cancelled), ends the process: the next render starts a new one.

The pipe carries frames: a 4-byte big-endian length, then JSON (the request) or a status byte
followed by the PDF or an error message (the answer).
"""

import asyncio
import json
import struct
import sys
import weakref
from typing import Any, BinaryIO

from servicekit.pdf import Fonts, Lines

IDLE_SECONDS = 60.0
STOP_SECONDS = 5.0  # a renderer told to stop that is still there after this is killed
_LENGTH = struct.Struct(">I")
_OK, _FAILED = b"\x00", b"\x01"


class RenderFailed(RuntimeError):
    """The renderer could not make the document (its message says why), or died."""


class PdfRenderer:
    """One event loop's renderer process, started when needed and stopped when idle."""

    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self._idle_seconds = idle_seconds
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()
        self._idle: asyncio.TimerHandle | None = None

    @property
    def running(self) -> bool:
        return self._process is not None

    async def render(self, title: str, pages: list[Lines], fonts: Fonts, compress: bool) -> bytes:
        """The document's PDF (`servicekit.pdf.render`'s), made by the renderer process."""
        request = json.dumps(
            {
                "title": title,
                "pages": pages,
                "fonts": [fonts.regular, fonts.bold],
                "compress": compress,
            }
        ).encode()
        async with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            try:
                return await self._ask(request)
            except RenderFailed:
                raise  # the renderer said why; it goes on
            except BaseException as exc:
                await self._stop(kill=True)  # died, or left mid-answer: never reused
                if isinstance(exc, (OSError, asyncio.IncompleteReadError)):
                    raise RenderFailed("the PDF renderer stopped") from exc
                raise
            finally:
                self._idle = asyncio.get_running_loop().call_later(
                    self._idle_seconds, self._stop_when_idle
                )

    async def stop(self) -> None:
        """Stop the renderer now (an app's shutdown)."""
        async with self._lock:
            if self._idle is not None:
                self._idle.cancel()
            await self._stop()

    async def _ask(self, request: bytes) -> bytes:
        process = self._process or await self._start()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(_LENGTH.pack(len(request)) + request)
        await process.stdin.drain()
        status = await process.stdout.readexactly(1)
        (length,) = _LENGTH.unpack(await process.stdout.readexactly(_LENGTH.size))
        body = await process.stdout.readexactly(length)
        if status != _OK:
            raise RenderFailed(body.decode(errors="replace"))
        return body

    async def _start(self) -> asyncio.subprocess.Process:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "servicekit.pdf_worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return self._process

    def _stop_when_idle(self) -> None:
        if self._process is not None and not self._lock.locked():
            asyncio.get_running_loop().create_task(self.stop())

    async def _stop(self, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if kill and process.returncode is None:
            process.kill()
        if process.stdin is not None:
            process.stdin.close()  # end of input: the renderer exits
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()


_RENDERERS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PdfRenderer]" = (
    weakref.WeakKeyDictionary()
)


def renderer() -> PdfRenderer:
    """The running event loop's renderer (its pipes belong to that loop)."""
    loop = asyncio.get_running_loop()
    found = _RENDERERS.get(loop)
    if found is None:
        found = _RENDERERS[loop] = PdfRenderer()
    return found


async def render(title: str, pages: list[Lines], fonts: Fonts, compress: bool = True) -> bytes:
    """`servicekit.pdf.render` in the renderer process, awaited without blocking the loop."""
    return await renderer().render(title, pages, fonts, compress)


async def stop() -> None:
    """Stop this loop's renderer, if it runs (in each rendering app's shutdown)."""
    found = _RENDERERS.get(asyncio.get_running_loop())
    if found is not None:
        await found.stop()


def _serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The renderer process: one answer per request, until its input ends."""
    from servicekit.pdf import render as render_pdf

    while header := requests.read(_LENGTH.size):
        (length,) = _LENGTH.unpack(header)
        request: dict[str, Any] = json.loads(requests.read(length))
        try:
            pages = [[(kind, text) for kind, text in page] for page in request["pages"]]
            fonts = Fonts(*request["fonts"])
            status, body = _OK, render_pdf(request["title"], pages, fonts, request["compress"])
        except Exception as exc:  # reported to the service, which raises it as RenderFailed
            status, body = _FAILED, f"{type(exc).__name__}: {exc}".encode()
        answers.write(status + _LENGTH.pack(len(body)) + body)
        answers.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
