"""One leaf part's payload, read from the raw message a chunk at a time: base64,
quoted-printable and uuencoded bodies decoded as they stream, never whole in memory.

The skeleton that says where each part lies is tui/core/mail/mimestream.py.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from tui.core.mail.mimestream import EOL, RawSource, Skeleton

_B64_KEEP = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_B64_DELETE = bytes(b for b in range(256) if b not in _B64_KEEP)
_PADS = re.compile(rb"=+")
_UU = ("x-uuencode", "uuencode", "uue", "x-uue")


def _line_ends(chunks: Iterator[bytes], linesep: str) -> Iterator[bytes]:
    """`chunks` with every CRLF, CR or LF written as `linesep` (a CRLF may span two)."""
    sep = linesep.encode("ascii")
    carry = b""
    for chunk in chunks:
        data = carry + chunk
        carry = b"\r" if data.endswith(b"\r") else b""
        yield EOL.sub(sep, data[: len(data) - len(carry)])
    if carry:
        yield sep


class _Base64:
    """`binascii.a2b_base64` (non-strict) fed a chunk at a time, as `email` decodes.

    Non-alphabet bytes are skipped; `=` completing a quad ends the data; a `=` that does
    not is ignored. `count` only counts the bytes it would write: nothing is decoded.
    """

    def __init__(self, *, count: bool) -> None:
        self.count = count
        self.carry = b""  # a partial quad, maybe followed by the start of a `=` run
        self.done = False
        self.size = 0

    def feed(self, chunk: bytes, *, final: bool = False) -> bytes:
        if self.done:
            return b""
        data = chunk.translate(None, _B64_DELETE)
        if self.carry:
            data = self.carry + data
        self.carry = b""
        clean, tail = self._padding(data, final)
        if self.done:
            return self._emit(clean)
        whole = len(clean) - len(clean) % 4
        self.carry = clean[whole:] + tail
        out = self._emit(memoryview(clean)[:whole])
        if final:
            out += self._finish()
        return out

    def _padding(self, data: bytes, final: bool) -> tuple[bytes, bytes]:
        """Data without the ignored `=`; completed quads padded and `done` set; a `=` run
        at the end that more input might complete is returned apart."""
        if b"=" not in data:
            return data, b""
        pieces: list[bytes] = []
        length = 0
        pos = 0
        for run in _PADS.finditer(data):
            piece = data[pos : run.start()]
            pieces.append(piece)
            length += len(piece)
            quad = length % 4
            need = 4 - quad
            if quad >= 2 and run.end() - run.start() >= need:
                pieces.append(b"=" * need)
                self.done = True
                return b"".join(pieces), b""
            if quad >= 2 and run.end() == len(data) and not final:
                return b"".join(pieces), data[run.start() :]
            pos = run.end()
        pieces.append(data[pos:])
        return b"".join(pieces), b""

    def _emit(self, data: bytes | memoryview) -> bytes:
        if not data:
            return b""
        if self.count:  # `=` is only ever the padding of the last quad
            pads = bytes(data[-2:]).count(b"=")
            self.size += len(data) // 4 * 3 - pads
            return b""
        out = binascii.a2b_base64(data)
        self.size += len(out)
        return out

    def _finish(self) -> bytes:
        """The end: a partial quad of 2 or 3 is written as `email` does (padding added)."""
        rest = self.carry.rstrip(b"=")
        self.carry = b""
        if len(rest) % 4 in (2, 3):
            return self._emit(rest + b"=" * (4 - len(rest) % 4))
        return b""

    @property
    def undecodable(self) -> bool:
        """One data character too many: `email` then returns the text unchanged."""
        return not self.done and len(self.carry.rstrip(b"=")) % 4 == 1


class _QuotedPrintable:
    """`binascii.a2b_qp` a line-complete chunk at a time (an escape never spans lines)."""

    def __init__(self) -> None:
        self.carry = b""

    def feed(self, chunk: bytes, *, final: bool = False) -> bytes:
        data = self.carry + chunk
        cut = len(data) if final else data.rfind(b"\n") + 1
        self.carry = data[cut:]
        return binascii.a2b_qp(data[:cut]) if cut else b""


@dataclass
class PartBody:
    """A leaf's payload: literal pieces and byte ranges of the source, and its encoding."""

    source: RawSource
    pieces: list[bytes | tuple[int, int]]
    cte: str
    # Set for a message written again by `email` (an attached .eml): its line ends are
    # all this one, so the runs read from the source get theirs rewritten to match.
    linesep: str = ""
    _size: int | None = field(default=None, repr=False)
    _raw_fallback: bool = field(default=False, repr=False)

    @classmethod
    def of_part(cls, part: Message, source: RawSource, shape: Skeleton) -> PartBody:
        """The payload of a leaf of the skeleton, its tokens resolved to ranges."""
        payload = getattr(part, "_payload", None)  # get_payload() would re-decode it
        text = payload if isinstance(payload, str) else ""
        pieces: list[bytes | tuple[int, int]] = []
        for index, piece in enumerate(shape.pattern.split(text)):
            if index % 2:
                pieces.append(shape.runs[int(piece)])
            elif piece:
                pieces.append(piece.encode("utf-8", "surrogateescape"))
        try:
            cte = str(part.get("content-transfer-encoding", "")).lower()
        except Exception:  # a hostile header: read as 8bit
            cte = ""
        return cls(source, pieces, cte)

    @property
    def encoded_size(self) -> int:
        return sum(len(p) if isinstance(p, bytes) else p[1] - p[0] for p in self.pieces)

    def encoded(self, size: int | None = None) -> Iterator[bytes]:
        """The payload as sent, a chunk at a time."""
        for piece in self.pieces:
            if isinstance(piece, bytes):
                yield piece
            elif self.linesep:
                yield from _line_ends(self.source.chunks(piece[0], piece[1], size), self.linesep)
            else:
                yield from self.source.chunks(piece[0], piece[1], size)

    def _lines_joined(self) -> Iterator[bytes]:
        # What `email` returns for base64 it cannot decode: the text without line ends.
        for chunk in self.encoded():
            yield chunk.replace(b"\r", b"").replace(b"\n", b"")

    def size(self) -> int:
        """The decoded size, counted without decoding base64."""
        if self._size is None:
            if self.cte == "base64":
                counter = _Base64(count=True)
                for chunk in self.encoded():
                    counter.feed(chunk)
                self._raw_fallback = counter.undecodable
                counter.feed(b"", final=True)
                self._size = (
                    sum(len(c) for c in self._lines_joined())
                    if self._raw_fallback
                    else counter.size
                )
            elif self.cte in ("quoted-printable", *_UU):
                self._size = sum(len(c) for c in self.chunks())
            elif self.linesep:
                self._size = sum(len(c) for c in self.encoded())
            else:
                self._size = self.encoded_size
        return self._size

    def chunks(self) -> Iterator[bytes]:
        """The decoded bytes a chunk at a time, identical to get_payload(decode=True)."""
        if self.cte == "base64":
            self.size()  # knows whether `email` would fall back to the text itself
            if self._raw_fallback:
                yield from self._lines_joined()
                return
            decoder = _Base64(count=False)
            for chunk in self.encoded():
                out = decoder.feed(chunk)
                if out:
                    yield out
                if decoder.done:
                    return
            yield decoder.feed(b"", final=True)
        elif self.cte == "quoted-printable":
            qp = _QuotedPrintable()
            for chunk in self.encoded():
                yield qp.feed(chunk)
            yield qp.feed(b"", final=True)
        elif self.cte in _UU:
            yield self._whole_uu()
        else:
            yield from self.encoded()

    def _whole_uu(self) -> bytes:
        """uuencode is rare and old: decoded in memory by `email` itself."""
        part = Message()
        part["Content-Transfer-Encoding"] = self.cte
        part.set_payload(b"".join(self.encoded()).decode("ascii", "surrogateescape"))
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""

    def head(self, limit: int) -> bytes:
        """The first `limit` decoded bytes: what the reader shows of a text part."""
        out = bytearray()
        for chunk in self.chunks():
            out += chunk[: limit - len(out)]
            if len(out) >= limit:
                break
        return bytes(out)

    def read(self) -> bytes:
        """Everything decoded, in memory: for a forward, which sends it again."""
        return b"".join(self.chunks())
