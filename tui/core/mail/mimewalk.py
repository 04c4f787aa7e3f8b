"""The walk through a message's parts: which text is the body, which parts are
attachments, invitations or attached messages, within limits of depth and count.

Every part is read from the raw source a chunk at a time (tui/core/mail/mimestream.py);
what the walk finds becomes the reader's `RenderedMessage` in tui/core/mail/mime.py.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import EmailPolicy
from typing import Any

from tui.core import logs
from tui.core.i18n import _
from tui.core.mail import dates
from tui.core.mail.formatting import long_date
from tui.core.mail.ical import unfold_bytes
from tui.core.mail.invitations import CalendarEvent, summarise_calendar
from tui.core.mail.mimepart import PartBody
from tui.core.mail.mimestream import RawSource, Skeleton
from tui.core.mail.mimetext import MAX_HEADER_CHARS, decode_bytes, decode_header_value
from tui.core.mail.sanitize import clean_line, clean_text, safe_basename

MAX_DEPTH = 20


MAX_PARTS = 200


MAX_BODY_CHARS = 2 * 1024 * 1024


class _CappedPolicy(EmailPolicy):
    """policy.default, but a header value is cut before it is parsed (CPython gh-136063)."""

    def header_fetch_parse(self, name: str, value: str) -> Any:
        if isinstance(value, str) and len(value) > MAX_HEADER_CHARS:
            value = value[:MAX_HEADER_CHARS]
        return super().header_fetch_parse(name, value)


POLICY = _CappedPolicy()


MAX_SHOWN_NAME = 300


@dataclass(frozen=True)
class Attachment:
    """One attached file: a reference to its part, decoded only when saved or forwarded.

    `content` is the decoded bytes, or (a parsed message) the part itself, read from the
    message's source a chunk at a time. `shown_name` is the name as sent, sanitised for
    the terminal (a `/` or `[` kept, so the user recognises it); `filename` is the safe
    basename used only to save it.
    """

    index: int
    filename: str
    content_type: str
    size: int
    content: bytes | PartBody = field(repr=False, compare=False)
    shown_name: str = ""

    @property
    def label(self) -> str:
        """The name to show: as sent, else the one it will be saved under."""
        return self.shown_name or self.filename

    @property
    def data(self) -> bytes:
        """Every decoded byte in memory, for a forward; saving streams `chunks()`."""
        return self.content if isinstance(self.content, bytes) else self.content.read()

    def chunks(self) -> Iterator[bytes]:
        """The decoded bytes a chunk at a time (a big file never whole in memory)."""
        if isinstance(self.content, bytes):
            yield self.content
        else:
            yield from self.content.chunks()


def raw_headers(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(str(k), str(v)) for k, v in msg.raw_items()]
    except Exception:  # hostile input: no header is better than a crash
        return []


def first_header(headers: list[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


class Walker:
    """Visits the MIME tree part by part with limits on depth, parts and body size."""

    def __init__(self, source: RawSource, shape: Skeleton) -> None:
        self.source = source
        self.shape = shape
        self.parts = 0
        self.too_deep = False
        self.too_many = False
        self.chunks: list[str] = []
        self.body_chars = 0
        self.notes: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.attachments: list[Attachment] = []
        self.calendar: list[CalendarEvent] = []
        self.remote_images = 0
        self.scripts = 0
        self.forms = 0

    def add_text(self, text: str) -> None:
        if text.strip():
            if self.chunks:
                self.chunks.append("\n\n")
            self.chunks.append(text.strip("\n"))
            self.body_chars += len(text)

    def attach(self, filename: str, content_type: str, content: PartBody) -> None:
        """A reference to the part: its size is counted, its bytes are not decoded."""
        index = len(self.attachments) + 1
        name = safe_basename(filename, fallback=_("piece-jointe-{n}").format(n=index))
        shown = clean_line(filename).strip()[:MAX_SHOWN_NAME]
        size = content.size()
        # The type is shown (reader, picker, `courriel show`): the email package keeps any
        # control character in it, so it is cleaned here, once, for every caller (review).
        kind = clean_line(content_type).strip()[:MAX_SHOWN_NAME]
        self.attachments.append(Attachment(index, name, kind, size, content, shown))

    def visit(self, part: Message, depth: int) -> None:
        if self.parts >= MAX_PARTS:
            self.too_many = True
            return
        if depth > MAX_DEPTH:
            self.too_deep = True
            return
        self.parts += 1
        ctype = _content_type(part)
        if ctype.startswith("message/") and part.is_multipart():
            self._visit_message(part, depth)
        elif part.is_multipart():
            self._visit_multipart(part, ctype, depth)
        else:
            self._visit_leaf(part, ctype)

    def _children(self, part: Message) -> list[Message]:
        payload = part.get_payload()
        return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []

    def _visit_multipart(self, part: Message, ctype: str, depth: int) -> None:
        children = self._children(part)
        if ctype == "multipart/alternative" and children:
            types = [_content_type(c) for c in children]
            chosen = next(
                (types.index(t) for t in ("text/plain", "text/html") if t in types),
                len(children) - 1,
            )
            self.visit(children[chosen], depth + 1)
            # Outlook and Google send the invitation as one of the alternatives.
            for index, child in enumerate(children):
                if types[index] == "text/calendar" and index != chosen:
                    self.visit(child, depth + 1)
            return
        for child in children:
            self.visit(child, depth + 1)

    def _visit_message(self, part: Message, depth: int) -> None:
        inner = self._children(part)
        if not inner:
            return
        message = inner[0]
        headers = raw_headers(message)
        subject = decode_header_value(first_header(headers, "Subject") or "")
        lines = [_("---------- Message joint ----------")]
        sender = first_header(headers, "From")
        if sender is not None:
            lines.append(_("De : {v}").format(v=decode_header_value(sender)))
        date = dates.parse_header(first_header(headers, "Date"))
        if date is not None:
            lines.append(_("Date : {v}").format(v=long_date(date)))
        lines.append(_("Objet : {v}").format(v=subject))
        self.add_text("\n".join(lines))
        self.attach((subject or _("message"))[:80] + ".eml", "message/rfc822", self._eml(message))
        self.visit(message, depth + 1)

    def _eml(self, message: Message) -> PartBody:
        """The attached message as bytes, its big runs read from the source when saved."""
        try:
            data = message.as_bytes(policy=POLICY.clone(max_line_length=0))
        except Exception:  # a broken inner message is still listed
            data = b""
        return PartBody(self.source, self.shape.pieces(data), "", linesep=POLICY.linesep)

    def _add_events(self, events: list[CalendarEvent]) -> None:
        """The same invitation sent twice (inline and as invite.ics) is shown once."""
        seen = {(e.uid, e.recurrence_id, e.sequence, e.method) for e in self.calendar if e.uid}
        self.calendar.extend(
            e for e in events if (e.uid, e.recurrence_id, e.sequence, e.method) not in seen
        )

    def _visit_leaf(self, part: Message, ctype: str) -> None:
        data = PartBody.of_part(part, self.source, self.shape)
        disposition = _disposition(part)
        filename = _filename(part)
        if ctype == "text/calendar":
            head = unfold_bytes(data.head(MAX_BODY_CHARS * 4))
            text, _note = decode_bytes(head, _charset(part))
            try:
                self._add_events(summarise_calendar(text))
            except Exception as error:  # a broken invitation drops its summary, not the body
                logs.record(error, "invitation")
            self.attach(filename or "invitation.ics", ctype, data)
            return
        if disposition == "attachment" or (filename and not ctype.startswith("text/")):
            self.attach(filename or "", ctype, data)
            return
        if ctype == "text/html":
            self._add_html(data, _charset(part))
        elif ctype.startswith("text/") or ctype == "":
            if filename and disposition != "inline" and ctype != "text/plain":
                self.attach(filename, ctype, data)
                return
            self._add_plain(data, _charset(part))
        else:
            self.attach(filename or "", ctype, data)

    def _decode(self, data: PartBody, charset: str | None) -> str:
        """The first bytes of a text part (what can be shown), decoded."""
        text, note = decode_bytes(data.head(MAX_BODY_CHARS * 4), charset)
        if note and note not in self.notes:
            self.notes.append(note)
        return text

    def _add_plain(self, data: PartBody, charset: str | None) -> None:
        if self.body_chars > MAX_BODY_CHARS:  # cut anyway: not read at all
            return
        self.add_text(clean_text(self._decode(data, charset)))

    def _add_html(self, data: PartBody, charset: str | None) -> None:
        if self.body_chars > MAX_BODY_CHARS:
            return
        # Late: the converter (and the HTML entity table, ~0.4 MiB) waits for the first
        # HTML message; a plain-text one does not need it (#22).
        from tui.core.mail.htmlbody import html_to_text

        result = html_to_text(self._decode(data, charset), first_link=len(self.links) + 1)
        self.links.extend(result.links)
        self.remote_images += result.remote_images
        self.scripts += result.scripts
        self.forms += result.forms
        for note in result.notes:
            if note not in self.notes:
                self.notes.append(note)
        self.add_text(result.text)


def _content_type(part: Message) -> str:
    try:
        return str(part.get_content_type()).lower()
    except Exception:
        return "application/octet-stream"


def _charset(part: Message) -> str | None:
    try:
        charset = part.get_param("charset")
    except Exception:
        return None
    if isinstance(charset, tuple):  # RFC 2231 (charset, language, value)
        charset = charset[2]
    return str(charset).strip().strip('"')[:64] if charset else None


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except Exception:
        return None
    return value.lower() if isinstance(value, str) else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if not name:
        try:
            raw = part.get_param("name")
        except Exception:
            raw = None
        if isinstance(raw, tuple):
            raw = email.utils.collapse_rfc2231_value(raw)
        name = raw if isinstance(raw, str) else None
    if not name:
        return None
    return decode_header_value(str(name)[:MAX_HEADER_CHARS])
