"""Parse raw message bytes into what the reader shows, every string already sanitised.

Every byte is hostile (DESIGN.md). The traps of Python's `email` package are in
PITFALLS.md: reading a header can raise, a 1 MB header takes seconds to decode, deep
nesting hits RecursionError, iso-8859-1 is really windows-1252, `getaddresses` can
return another address than the one a person reads. `parse_message` never raises on
any input: what cannot be shown is replaced by a French note saying so.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import EmailPolicy
from typing import Any

from tui.core import logs
from tui.core.i18n import _, ngettext
from tui.core.mail import dates
from tui.core.mail.formatting import long_date, size_short
from tui.core.mail.ical import unfold_bytes
from tui.core.mail.invitations import CalendarEvent, summarise_calendar
from tui.core.mail.mimestream import PartBody, RawSource, Skeleton, skeleton
from tui.core.mail.mimetext import MAX_HEADER_CHARS, decode_bytes, decode_header_value
from tui.core.mail.sanitize import clean_line, clean_text, safe_basename

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_DEPTH",
    "MAX_PARTS",
    "Attachment",
    "CalendarEvent",
    "RawSource",
    "RenderedMessage",
    "decode_header_value",
    "parse_addresses",
    "parse_message",
]

MAX_DEPTH = 20
MAX_PARTS = 200
MAX_BODY_CHARS = 2 * 1024 * 1024
MAX_HEADERS_SHOWN = 500
MAX_ADDRESS_CHARS = 64 * 1024
MAX_REFERENCES = 100


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


@dataclass(frozen=True)
class RenderedMessage:
    """What the reader shows; every string here is sanitised and safe to display."""

    subject: str
    from_: list[tuple[str, str]]
    to: list[tuple[str, str]]
    cc: list[tuple[str, str]]
    reply_to: list[tuple[str, str]]
    date: datetime | None
    raw_date: str  # the Date header as sent, sanitised: shown when `date` is None
    message_id: str
    in_reply_to: str
    references: list[str]
    body: str
    notes: list[str]
    links: list[tuple[str, str]]
    attachments: list[Attachment]
    calendar: list[CalendarEvent]
    warnings: list[str]
    all_headers: list[tuple[str, str]]
    size: int


# --- addresses --------------------------------------------------------------------

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")


def _balanced(value: str) -> bool:
    depth = 0
    escaped = False
    in_quote = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif in_quote:
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def parse_addresses(values: Sequence[str]) -> list[tuple[str, str]] | None:
    """(name, address) pairs, or None when the header does not parse unambiguously.

    Python 3.11 has no `getaddresses(strict=True)` (CVE-2023-27043): this applies the
    same checks — balanced comments, no `[` in an address, as many addresses as the
    header has comma-separated entries — so a crafted header cannot show one address
    while another is used. Names are RFC 2047-decoded after the split, never before.
    """
    cleaned = [_FOLD.sub("", v)[:MAX_ADDRESS_CHARS] for v in values]
    if not all(_balanced(v) for v in cleaned):
        return None
    expected = 0
    for value in cleaned:
        bare = _COMMENT.sub("", _QUOTED.sub('""', value))
        expected += max(1, sum(1 for seg in bare.split(",") if seg.strip()))
    pairs = email.utils.getaddresses(cleaned)
    if len(pairs) != expected or any("[" in addr for _, addr in pairs):
        return None
    result = []
    for name, addr in pairs:
        if not name and not addr:
            continue
        result.append((decode_header_value(name), clean_line(addr)))
    return result


# --- headers ----------------------------------------------------------------------


def _raw_headers(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(str(k), str(v)) for k, v in msg.raw_items()]
    except Exception:  # hostile input: no header is better than a crash
        return []


def _first(headers: list[tuple[str, str]], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


def _all(headers: list[tuple[str, str]], name: str) -> list[str]:
    lname = name.lower()
    return [value for key, value in headers if key.lower() == lname]


def _address_header(
    headers: list[tuple[str, str]], name: str, label: str, notes: list[str]
) -> list[tuple[str, str]]:
    # Only the first header is used, as Dovecot's ENVELOPE does; duplicates are flagged.
    value = _first(headers, name)
    if value is None:
        return []
    parsed = parse_addresses([value])
    if parsed is None:
        notes.append(
            _("En-tête « {name} » ambigu ou mal formé : affiché tel quel.").format(name=label)
        )
        return [(decode_header_value(value), "")]
    return parsed


_DUPLICATE_CHECKED = ("From", "Subject", "Date", "To", "Cc", "Reply-To", "Message-ID")


# --- body walk ----------------------------------------------------------------------


class _Walker:
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
        self.attachments.append(Attachment(index, name, content_type, size, content, shown))

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
        headers = _raw_headers(message)
        subject = decode_header_value(_first(headers, "Subject") or "")
        lines = [_("---------- Message joint ----------")]
        sender = _first(headers, "From")
        if sender is not None:
            lines.append(_("De : {v}").format(v=decode_header_value(sender)))
        date = dates.parse_header(_first(headers, "Date"))
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


# --- entry point ------------------------------------------------------------------


def _parse_tree(raw: bytes, notes: list[str]) -> tuple[Message, bool]:
    """The parsed message, and whether its body was parsed too (False: headers only)."""
    try:
        return BytesParser(policy=POLICY).parsebytes(raw), True
    except RecursionError:
        notes.append(_("Structure MIME trop profonde : le contenu du message n'est pas affiché."))
    except Exception:  # the stdlib parser is not meant to raise; be sure
        notes.append(_("Message illisible : seuls les en-têtes sont affichés."))
    try:
        return BytesHeaderParser(policy=POLICY).parsebytes(raw), False
    except Exception:
        return EmailMessage(policy=POLICY), False


def parse_message(
    raw: bytes | RawSource, *, trusted_domains: Sequence[str] | None = None
) -> RenderedMessage:
    """Parse one message for the reader; limits are stated in notes.

    Never raises on bytes; a RawSource that cannot be read raises its own error. The
    message's bytes are read a chunk at a time and never copied whole: attachments are
    references (see tui.core.mail.mimestream), decoded only when saved or forwarded.
    """
    source = raw if isinstance(raw, RawSource) else RawSource.of_bytes(raw)
    with source.opened():
        return _parse_source(source, trusted_domains)


def _parse_source(source: RawSource, trusted_domains: Sequence[str] | None) -> RenderedMessage:
    from tui.core.mail import phishing  # late: phishing is only needed here

    notes: list[str] = []
    shape = skeleton(source)
    msg, complete = _parse_tree(shape.raw, notes)
    headers = _raw_headers(msg)

    for name in _DUPLICATE_CHECKED:
        count = len(_all(headers, name))
        if count > 1:
            notes.append(
                _(
                    "Le message contient {n} en-têtes « {name} » : seul le premier est affiché."
                ).format(n=count, name=name)
            )

    walker = _Walker(source, shape)
    if complete:
        try:
            walker.visit(msg, 0)
        except RecursionError:
            walker.too_deep = True
    notes.extend(walker.notes)
    if walker.too_deep:
        notes.append(
            _(
                "Structure trop imbriquée : les parties au-delà de {n} niveaux sont ignorées."
            ).format(n=MAX_DEPTH)
        )
    if walker.too_many:
        notes.append(
            _("Trop de parties : seules les {n} premières sont affichées.").format(n=MAX_PARTS)
        )
    if walker.remote_images:
        notes.append(
            ngettext(
                "{n} image distante bloquée",
                "{n} images distantes bloquées",
                walker.remote_images,
            ).format(n=walker.remote_images)
        )
    if walker.scripts:
        notes.append(_("Scripts du message supprimés."))
    if walker.forms:
        notes.append(_("Formulaire du message supprimé (ne saisissez rien en réponse)."))

    body = "".join(walker.chunks)
    if len(body) > MAX_BODY_CHARS:
        body = body[:MAX_BODY_CHARS]
        notes.append(
            _("Message tronqué à {limit}, taille réelle {size}.").format(
                limit=size_short(MAX_BODY_CHARS).replace(",0 ", " "), size=size_short(source.size)
            )
        )

    from_ = _address_header(headers, "From", "De", notes)
    to = _address_header(headers, "To", "À", notes)
    cc = _address_header(headers, "Cc", "Cc", notes)
    reply_to = _address_header(headers, "Reply-To", "Répondre à", notes)
    references = decode_header_value(_first(headers, "References") or "").split()

    all_headers = [
        (clean_line(name), decode_header_value(value))
        for name, value in headers[:MAX_HEADERS_SHOWN]
    ]
    if len(headers) > MAX_HEADERS_SHOWN:
        notes.append(
            _("{n} en-têtes : seuls les {limit} premiers sont affichés.").format(
                n=len(headers), limit=MAX_HEADERS_SHOWN
            )
        )

    warnings = phishing.check(
        from_=from_,
        reply_to=reply_to,
        links=walker.links,
        body=body,
        subject=decode_header_value(_first(headers, "Subject") or ""),
        trusted_domains=trusted_domains,
    )
    return RenderedMessage(
        subject=decode_header_value(_first(headers, "Subject") or ""),
        from_=from_,
        to=to,
        cc=cc,
        reply_to=reply_to,
        date=dates.parse_header(_first(headers, "Date")),
        raw_date=clean_line(_first(headers, "Date") or "")[:100].strip(),
        message_id=decode_header_value(_first(headers, "Message-ID") or "").strip(),
        in_reply_to=decode_header_value(_first(headers, "In-Reply-To") or "").strip(),
        references=references[:MAX_REFERENCES],
        body=body,
        notes=notes,
        links=walker.links,
        attachments=walker.attachments,
        calendar=walker.calendar,
        warnings=warnings,
        all_headers=all_headers,
        size=source.size,
    )
