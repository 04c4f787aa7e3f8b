"""People from a vCard file (.vcf): versions 2.1, 3.0 and 4.0, as phones, webmails,
Outlook and Thunderbird write them. Only names and e-mail addresses are read.

Hostile bytes: the file is unfolded as bytes, each value decoded on its own (UTF-8,
the CHARSET a 2.1 card names, else Windows-1252), and nothing here is trusted further
than a string: the caller cleans names and checks addresses (contact_import.py).
"""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from tui.core.mail.mimetext import decode_bytes

MAX_LINE = 64 * 1024  # one unfolded line: a photo inline is skipped, never kept


@dataclass
class Card:
    """What one BEGIN:VCARD … END:VCARD gave: its names and its addresses."""

    fn: str = ""
    n: str = ""
    version: str = "3.0"
    emails: list[str] = field(default_factory=list)
    broken: int = 0  # lines that could not be read

    @property
    def name(self) -> str:
        if self.fn.strip():
            return self.fn.strip()
        parts = [p.strip() for p in _split_unescaped(self.n, ";")]
        family, given = [*parts, "", ""][:2]
        return " ".join(p for p in (given, family) if p)


def _unfold(data: bytes) -> Iterator[bytes]:
    """Logical lines: a line starting with a space or tab continues the previous one
    (RFC 6350 3.2), and a quoted-printable value ending in « = » continues on the next
    line (vCard 2.1)."""
    current: bytes | None = None
    for line in re.split(rb"\r\n|\r|\n", data):
        if current is not None and line[:1] in (b" ", b"\t"):
            current += line[1:]
        elif current is not None and current.endswith(b"=") and _is_qp(current):
            current = current[:-1] + b"=\r\n" + line  # a soft break, undone by quopri
        else:
            if current is not None:
                yield current
            current = line
        if current is not None and len(current) > MAX_LINE:
            current = current[:MAX_LINE]
    if current is not None:
        yield current


def _is_qp(line: bytes) -> bool:
    head = line.split(b":", 1)[0].upper()
    return b"QUOTED-PRINTABLE" in head


def _split_unescaped(value: str, sep: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append({"n": "\n", "N": "\n"}.get(char, char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return "".join(_split_unescaped(value, "\0"))


def _decode(raw: bytes, params: list[bytes]) -> str:
    upper = [p.upper() for p in params]
    if b"ENCODING=QUOTED-PRINTABLE" in upper or b"QUOTED-PRINTABLE" in upper:
        raw = quopri.decodestring(raw)
    charset: str | None = None
    for param in params:
        key, _eq, value = param.partition(b"=")
        if key.strip().upper() == b"CHARSET":
            charset = value.strip(b'"').decode("ascii", "replace") or None
    # The reader's decoding: a CHARSET naming a codec that is not a mail charset
    # (`undefined`, `idna`, `punycode` raise UnicodeError) is read as UTF-8 or cp1252.
    return decode_bytes(raw, charset)[0]


def parse(data: bytes) -> Iterator[Card]:
    """Every card of the file, in order; lines outside a card are ignored."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    card: Card | None = None
    for line in _unfold(data):
        if not line.strip():
            continue
        head, colon, raw = line.partition(b":")
        if not colon:
            if card is not None:
                card.broken += 1
            continue
        name, *params = head.split(b";")
        prop = name.rpartition(b".")[2].strip().upper()  # « item1.EMAIL » is EMAIL
        value = raw.strip()
        if prop == b"BEGIN" and value.upper() == b"VCARD":
            card = Card()
        elif prop == b"END" and value.upper() == b"VCARD":
            if card is not None:
                yield card
            card = None
        elif card is None:
            continue
        elif prop == b"VERSION":
            card.version = value.decode("ascii", "replace")
        elif prop == b"FN":  # 2.1 has no backslash escapes outside compound values
            text = _decode(raw, params)
            card.fn = text if card.version == "2.1" else _unescape(text)
        elif prop == b"N":
            card.n = _decode(raw, params)
        elif prop == b"EMAIL":
            text = _unescape(_decode(raw, params)).strip()
            if text.lower().startswith("mailto:"):
                text = text[7:]
            card.emails.append(text)
    if card is not None:  # a last card without END:VCARD: what it had is still useful
        yield card
