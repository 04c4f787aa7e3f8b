"""One FETCH response into the `Summary` the message list shows.

The backfill parses every message of a mailbox here (50,000 at a time), so this is
compat32-speed code: a byte-level header splitter, RFC 2047 decoding by regex, and a
fast path for the plain address lists most mail carries, and the reader's strict
parser (tui/core/mail/addresses.py) for the rest. Everything read is sanitised:
header values are hostile.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.core.mail import dates
from tui.core.mail.addresses import parse_addresses
from tui.core.mail.mimetext import decode_header_value
from tui.core.mail.sanitize import clean_line

# INTERNALDATE is not asked for: the Date header is what the list shows, and the
# 44 bytes per message it costs would be most of the backfill's budget. The few
# messages without a readable Date get it in a second, small FETCH (`needs_date`).
HEADER_FIELDS = "DATE FROM TO CC SUBJECT MESSAGE-ID IN-REPLY-TO REFERENCES CONTENT-TYPE"
SUMMARY_ITEMS = (
    "FLAGS",
    "RFC822.SIZE",
    f"BODY.PEEK[HEADER.FIELDS ({HEADER_FIELDS})]",
)
DATE_ITEMS = ("INTERNALDATE",)
_HEADER_CAP = 16 * 1024  # bytes of one header value decoded (CPython gh-136063)
_HEADERS_CAP = 64 * 1024

# A list of `Name <addr>` / `addr` items with no quoting, comments or groups: commas
# can only separate items, so splitting on them is exact. Anything else goes to
# email.utils, which knows the whole grammar.
_NOT_SIMPLE = re.compile(r'["()\\;:]')
_NAME_ADDR = re.compile(r"\s*(?:([^<>@]*?)\s*<([^<>\s@]+@[^<>\s@]+)>|([^<>\s@]+@[^<>\s@]+))\s*")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Summary:
    folder: str
    uid: int
    date: datetime | None
    sender_name: str
    sender_address: str
    to: str
    subject: str
    size: int
    flags: frozenset[str]
    has_attachment: bool
    message_id: str
    in_reply_to: str
    references: str
    cc: str = ""


def _line(text: str) -> str:
    """One sanitised line without surrounding blanks."""
    return clean_line(text).strip()


def decode_header(raw: str | bytes | None) -> str:
    """RFC 2047 decoding at compat32 speed, sanitised; never raises (see mimetext)."""
    return "" if raw is None else decode_header_value(raw)


def _simple_pairs(raw: str) -> list[tuple[str, str]] | None:
    """The (name, address) pairs of a plain list, or None when it needs the full parser."""
    if _NOT_SIMPLE.search(raw):
        return None
    pairs: list[tuple[str, str]] = []
    for item in raw.split(","):
        if not item.strip():
            continue
        match = _NAME_ADDR.fullmatch(item)
        if match is None:
            return None
        name, address, bare = match.groups()
        pairs.append((_SPACES.sub(" ", name), address) if address else ("", bare))
    return pairs


def address_list(raw: str | None) -> list[tuple[str, str]]:
    """Decoded, sanitised (name, address) pairs of an address header.

    A header that does not parse unambiguously is shown as the reader shows it: its
    decoded text, no address (before, the list read another address than the reader)."""
    if not raw:
        return []
    raw = raw[:_HEADER_CAP]
    pairs = _simple_pairs(raw)
    if pairs is None:
        try:
            strict = parse_addresses([raw])
        except Exception:
            strict = None
        return strict if strict is not None else [(decode_header(raw), "")]
    return [(decode_header(name), _line(address)) for name, address in pairs if name or address]


def format_addresses(pairs: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} <{addr}>" if name and addr else name or addr for name, addr in pairs)


def _header_bytes(data: dict[bytes, Any]) -> bytes:
    for key, value in data.items():
        if key.startswith(b"BODY[HEADER") and isinstance(value, bytes):
            return value
    return b""


def parse_date(raw: str | None, fallback: Any = None) -> datetime | None:
    """A Date header as an aware datetime; else the fallback (INTERNALDATE), else None.

    Either is used only when `datetime` can carry it everywhere (tui.core.mail.dates).
    """
    return dates.parse_header(_line(raw) if raw else None) or dates.usable(fallback)


def header_fields(raw: bytes) -> dict[str, str]:
    """Unfolded header fields, first occurrence wins, 8-bit values read as UTF-8 or cp1252."""
    fields: dict[str, str] = {}
    name: str | None = None
    lines: list[bytes] = []

    def flush() -> None:
        if name is not None and name not in fields:
            value = b" ".join(line.strip() for line in lines)[:_HEADER_CAP]
            try:
                fields[name] = value.decode("utf-8")
            except UnicodeDecodeError:
                fields[name] = value.decode("windows-1252", errors="replace")

    for line in raw[:_HEADERS_CAP].split(b"\n"):
        line = line.rstrip(b"\r")
        if not line.strip():
            if name is not None and line == b"":
                flush()
                name, lines = None, []
            continue
        if line[:1] in (b" ", b"\t") and name is not None:
            lines.append(line)
            continue
        flush()
        key, sep, value = line.partition(b":")
        if not sep:
            name, lines = None, []
            continue
        name = key.strip().decode("ascii", errors="replace").lower()
        lines = [value]
    flush()
    return fields


def _has_attachment(fields: dict[str, str]) -> bool:
    content_type = fields.get("content-type", "").lower()
    if content_type.startswith("multipart/mixed"):
        return True
    return content_type.startswith(("application/", "image/", "audio/", "video/"))


def parse_summary(folder: str, uid: int, data: dict[bytes, Any]) -> Summary:
    """A FETCH response (FLAGS, RFC822.SIZE, header fields) as a Summary."""
    message = header_fields(_header_bytes(data))
    senders = address_list(message.get("from"))
    name, address = senders[0] if senders else ("", "")
    return Summary(
        folder=folder,
        uid=uid,
        date=parse_date(message.get("date"), data.get(b"INTERNALDATE")),
        sender_name=name,
        sender_address=address,
        to=format_addresses(address_list(message.get("to"))),
        subject=decode_header(message.get("subject")),
        size=int(data.get(b"RFC822.SIZE", 0) or 0),
        flags=parse_flags(data),
        has_attachment=_has_attachment(message),
        message_id=_line(message.get("message-id", ""))[:1000],
        in_reply_to=_line(message.get("in-reply-to", ""))[:1000],
        # The newest ids are at the end (the direct parent last): keep those.
        references=_line(message.get("references", ""))[-4000:],
        cc=format_addresses(address_list(message.get("cc"))),
    )


def parse_flags(data: dict[bytes, Any]) -> frozenset[str]:
    """Message flags; \\Recent is per session (and gone in IMAP4rev2): never stored."""
    flags = (
        _line(f.decode("utf-8", errors="replace") if isinstance(f, bytes) else str(f))
        for f in data.get(b"FLAGS", ())
    )
    return frozenset(f for f in flags if f and f.lower() != "\\recent")
