"""Big message bodies read in chunks: a message's bytes are held once, never decoded whole.

Python's `email` parser keeps every line of a message as a string, then joins, encodes,
splits and decodes each payload: a 27 MB message with a 20 MB attachment peaked at
~240 MB in `parse_message` alone (issue 23). Here the raw bytes stay where they are (a
SQLite blob, a file, or bytes already in memory) and are read a chunk at a time:

- `skeleton` copies the message line by line but replaces each long run of *inert*
  lines — lines the stdlib parser only ever appends to a payload (not blank, not a
  boundary candidate `--…`, not a header or continuation line) — by one token line.
  The stdlib then parses a small message with exactly the same structure, and a leaf
  payload holds tokens where its big runs were. A header of the message's own block is
  cut at HEADER_CAP, far beyond what the reader shows of it.
- `PartBody` is a leaf payload with its tokens resolved to byte ranges of the source;
  it decodes its Content-Transfer-Encoding in chunks, exactly as
  `Message.get_payload(decode=True)` would, to count the size, read the first bytes
  of a text part, or stream an attachment to disk.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["CHUNK", "RawSource", "Skeleton", "skeleton"]

CHUNK = 256 * 1024  # bytes read at a time: the reader's working set is a few of these
# Shorter runs stay in the skeleton: a token costs ~40 bytes and a lookup.
MIN_RUN = 8 * 1024
# A line longer than this is copied as it is (no token): only hostile mail has one.
MAX_LINE = 256 * 1024
# Bytes of one header of the message kept in the skeleton: the reader never looks past
# 64 K characters of a header (mime.MAX_ADDRESS_CHARS, MAX_HEADER_CHARS), and `email`
# held ~10x a 4 MB header in line objects. Continuation lines beyond it are dropped.
HEADER_CAP = 256 * 1024

# A line the stdlib parser only appends to a payload (email.feedparser: not blank, not
# `--…` that could be a boundary, no match of headerRE), in a run, each one complete.
_INERT_RUN = re.compile(
    rb"(?:(?!From |--|[ \t\r\n]|[\x21-\x39\x3b-\x7e]*:)[^\r\n]*(?:\r\n|\r|\n))+"
)
EOL = re.compile(rb"\r\n|\r|\n")
_HEADER_NAME = re.compile(rb"[\x21-\x39\x3b-\x7e]*:")  # email.feedparser's headerRE


class Readable(Protocol):
    """What a source opens: a file, a BytesIO or a `sqlite3.Blob`."""

    def seek(self, offset: int, origin: int = 0, /) -> object: ...

    def read(self, length: int = -1, /) -> bytes: ...


class RawSource:
    """A message's bytes, opened for each pass and closed after (a blob is not kept open:
    an open blob pins the reader's SQLite snapshot)."""

    def __init__(self, size: int, opener: Callable[[], AbstractContextManager[Readable]]) -> None:
        self.size = size
        self._opener = opener
        self._open: Readable | None = None

    @classmethod
    def of_bytes(cls, raw: bytes) -> RawSource:
        """Bytes already in memory: read through a BytesIO, which shares them (no copy)."""
        return cls(len(raw), lambda: contextlib.nullcontext(io.BytesIO(raw)))

    @contextlib.contextmanager
    def opened(self) -> Iterator[Readable]:
        """The source open for a pass; nested passes share one handle."""
        if self._open is not None:
            yield self._open
            return
        with self._opener() as handle:
            self._open = handle
            try:
                yield handle
            finally:
                self._open = None

    def chunks(self, start: int, end: int, size: int | None = None) -> Iterator[bytes]:
        """Bytes [start, end) a chunk at a time; seeks before each read (passes interleave)."""
        size = size or CHUNK
        with self.opened() as handle:
            while start < end:
                handle.seek(start)
                data = handle.read(min(size, end - start))
                if not data:
                    raise OSError("message body shorter than expected")
                start += len(data)
                yield data


# --- the skeleton -------------------------------------------------------------------


@dataclass
class Skeleton:
    """The message with its long inert runs replaced by tokens, and where each run was."""

    raw: bytes
    token: str  # the token's text prefix, random per message: a message cannot forge one
    runs: list[tuple[int, int]]  # (start, end) of each run, its last line ending excluded
    pattern: re.Pattern[str] = field(init=False, repr=False)
    bytes_pattern: re.Pattern[bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(re.escape(self.token) + r"(\d+)\|")
        token = self.token.encode("ascii", "surrogateescape")
        self.bytes_pattern = re.compile(re.escape(token) + rb"(\d+)\|")

    def pieces(self, data: bytes) -> list[bytes | tuple[int, int]]:
        """Bytes written from the skeleton, each token replaced by its run's range."""
        out: list[bytes | tuple[int, int]] = []
        for index, piece in enumerate(self.bytes_pattern.split(data)):
            if index % 2:
                out.append(self.runs[int(piece)])
            elif piece:
                out.append(piece)
        return out


def _token_prefix() -> bytes:
    # \xff first: not a header character, so the token line is inert like the run.
    return b"\xff\xfecourriel-" + secrets.token_hex(8).encode() + b"-"


def skeleton(source: RawSource, min_run: int | None = None) -> Skeleton:
    """Copy `source` with every inert run of at least `min_run` bytes replaced by a token."""
    copier = _Copier(_token_prefix(), MIN_RUN if min_run is None else min_run)
    for chunk in source.chunks(0, source.size):
        copier.feed(chunk)
    copier.feed(b"", eof=True)
    token = copier.prefix.decode("ascii", "surrogateescape")
    return Skeleton(bytes(copier.out), token, copier.runs)


class _Copier:
    """Copies complete lines, a run of inert lines becoming one token line."""

    def __init__(self, prefix: bytes, min_run: int) -> None:
        self.prefix = prefix
        self.min_run = min_run
        self.out = bytearray()
        self.runs: list[tuple[int, int]] = []
        self.buf = b""
        self.base = 0  # offset of buf[0] in the source
        self.mid_line = False  # inside a line too long to wait for: copied to its end
        # Where the last token line ends in `out` and its run (ending included) in the
        # source: a run that goes on in the next chunk extends it (one range, one token).
        self.last_token = (-1, -1)
        self.in_headers = True  # in the message's own header block (see _header_line)
        self.header_size = -1  # bytes of the current header; -1: none that may be cut
        self.cutting = False  # dropping the rest of a line of the header block…
        self.cut_keeps_eol = False  # …but for its line ending (a header cut short)

    def feed(self, chunk: bytes, *, eof: bool = False) -> None:
        buf = self.buf + chunk
        # A CR at the end may be the first half of a CRLF: it waits for the next chunk.
        limit = len(buf) if eof or not buf.endswith(b"\r") else len(buf) - 1
        pos = 0
        while pos < limit:
            if self.in_headers or self.cutting:
                moved = self._header_line(buf, pos, limit, eof)
                if moved is None:
                    break
                pos = moved
                continue
            if self.mid_line:
                end = EOL.search(buf, pos, limit)
                stop = end.end() if end else limit
                self.out += buf[pos:stop]
                self.mid_line = end is None
                pos = stop
                continue
            run = _INERT_RUN.match(buf, pos, limit)
            if run is not None:
                self._run(buf, pos, run.end())
                pos = run.end()
                continue
            end = EOL.search(buf, pos, limit)
            if end is not None:
                self.out += buf[pos : end.end()]
                pos = end.end()
            elif eof or limit - pos > MAX_LINE:
                self.out += buf[pos:limit]
                self.mid_line = not eof
                pos = limit
            else:
                break
        self.buf = buf[pos:]
        self.base += pos

    def _header_line(self, buf: bytes, pos: int, limit: int, eof: bool) -> int | None:
        """Copy one line of the message's header block, a header cut at HEADER_CAP.

        The block ends as in email.feedparser: at a blank line or at a line that is no
        header (both left to the caller). Only continuation lines (and the tail of an
        over-long line) are dropped, so the block keeps its headers and its end. None:
        the line is incomplete, wait for more.
        """
        end = EOL.search(buf, pos, limit)
        stop = end.end() if end else limit
        if self.cutting:  # the tail of a line dropped or cut short
            if end is not None:
                self.out += end.group(0) if self.cut_keeps_eol else b""
                self.cutting = False
            return stop
        if end is None and not eof and limit - pos <= MAX_LINE:
            return None
        first = buf[pos : pos + 1]
        if first in (b" ", b"\t"):
            if self.header_size >= 0 and self.header_size + stop - pos > HEADER_CAP:
                self.header_size = HEADER_CAP + 1
                self.cutting, self.cut_keeps_eol = end is None, False
                return stop
            self.header_size += stop - pos if self.header_size >= 0 else 0
        elif buf.startswith(b"From ", pos):
            self.header_size = -1  # an mbox From line: never cut (see feedparser)
        elif _HEADER_NAME.match(buf, pos, stop):
            self.header_size = min(stop - pos, HEADER_CAP + 1)
            if stop - pos > HEADER_CAP:
                self.out += buf[pos : pos + HEADER_CAP] + (end.group(0) if end else b"")
                self.cutting, self.cut_keeps_eol = end is None, True
                return stop
        else:  # a blank line, or the body begins: the caller copies it
            self.in_headers = False
            return pos
        self.out += buf[pos:stop]
        self.mid_line = end is None and not eof
        if self.mid_line:
            self.in_headers = False
        return stop

    def _run(self, buf: bytes, start: int, end: int) -> None:
        ending = b"\r\n" if buf[end - 2 : end] == b"\r\n" else buf[end - 1 : end]
        if self.last_token == (len(self.out), self.base + start):
            first = self.runs[-1][0]
            del self.out[self.out.rindex(self.prefix) :]
        elif end - start < self.min_run:
            self.out += buf[start:end]
            return
        else:
            first = self.base + start
            self.runs.append((0, 0))
        self.runs[-1] = (first, self.base + end - len(ending))
        self.out += self.prefix + str(len(self.runs) - 1).encode() + b"|" + ending
        self.last_token = (len(self.out), self.base + end)
