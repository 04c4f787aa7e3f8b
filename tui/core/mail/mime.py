"""Parse raw message bytes into what the reader shows, every string already sanitised.

Every byte is hostile (DESIGN.md). The traps of Python's `email` package are in
PITFALLS.md: reading a header can raise, a 1 MB header takes seconds to decode, deep
nesting hits RecursionError, iso-8859-1 is really windows-1252, `getaddresses` can
return another address than the one a person reads. `parse_message` never raises on
any input: what cannot be shown is replaced by a French note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser

from tui.core.i18n import _, ngettext
from tui.core.mail import dates
from tui.core.mail.addresses import parse_addresses
from tui.core.mail.formatting import size_short
from tui.core.mail.invitations import CalendarEvent
from tui.core.mail.mimestream import RawSource, skeleton
from tui.core.mail.mimetext import decode_header_value
from tui.core.mail.mimewalk import (
    MAX_BODY_CHARS,
    MAX_DEPTH,
    MAX_PARTS,
    POLICY,
    Attachment,
    Walker,
    first_header,
    raw_headers,
)
from tui.core.mail.sanitize import clean_line

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

MAX_HEADERS_SHOWN = 500
MAX_REFERENCES = 100


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


# --- headers ----------------------------------------------------------------------


def _all(headers: list[tuple[str, str]], name: str) -> list[str]:
    lname = name.lower()
    return [value for key, value in headers if key.lower() == lname]


def _address_header(
    headers: list[tuple[str, str]], name: str, label: str, notes: list[str]
) -> list[tuple[str, str]]:
    # Only the first header is used, as Dovecot's ENVELOPE does; duplicates are flagged.
    value = first_header(headers, name)
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
    headers = raw_headers(msg)

    for name in _DUPLICATE_CHECKED:
        count = len(_all(headers, name))
        if count > 1:
            notes.append(
                _(
                    "Le message contient {n} en-têtes « {name} » : seul le premier est affiché."
                ).format(n=count, name=name)
            )

    walker = Walker(source, shape)
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
    references = decode_header_value(first_header(headers, "References") or "").split()

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
        subject=decode_header_value(first_header(headers, "Subject") or ""),
        trusted_domains=trusted_domains,
    )
    return RenderedMessage(
        subject=decode_header_value(first_header(headers, "Subject") or ""),
        from_=from_,
        to=to,
        cc=cc,
        reply_to=reply_to,
        date=dates.parse_header(first_header(headers, "Date")),
        raw_date=clean_line(first_header(headers, "Date") or "")[:100].strip(),
        message_id=decode_header_value(first_header(headers, "Message-ID") or "").strip(),
        in_reply_to=decode_header_value(first_header(headers, "In-Reply-To") or "").strip(),
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
