"""Answering an invitation: an iTIP REPLY (RFC 5546 §3.2.3) sent by mail (iMIP, RFC 6047).

The answer is an ordinary message built by tui.core.mail.compose — a short text for people
and a « text/calendar; method=REPLY » part for their calendar — addressed to the
organiser and queued in the durable outbox like any other (sent at most once).

The invitation is hostile: the reply copies only what RFC 5546 requires (UID,
SEQUENCE, RECURRENCE-ID, ORGANIZER and the user's own ATTENDEE line), each value
checked or escaped so that nothing in it can add a line or a property. The organiser
must have an address that passes the strict check of compose, or there is no answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail import formatting
from tui.core.mail.compose import (
    AddressError,
    Draft,
    Identity,
    build_message,
    check_address,
    one_line,
)
from tui.core.mail.ical import escape_text, fold, quote_param
from tui.core.mail.icaltime import utc_text
from tui.core.mail.invitations import CalendarEvent, when

ACCEPTED, TENTATIVE, DECLINED = "ACCEPTED", "TENTATIVE", "DECLINED"
PARTSTATS = (ACCEPTED, TENTATIVE, DECLINED)
PRODID = "-//courriel//courriel//FR"


class InvitationError(MailError):
    """This invitation cannot be answered by courriel (said in the user's words)."""

    @property
    def title(self) -> str:
        return _("Réponse impossible")


def _subject_prefix(partstat: str) -> str:
    """As Outlook writes them, so the organiser's client files the answer as one."""
    return {
        ACCEPTED: _("Accepté : "),
        TENTATIVE: _("Provisoire : "),
        DECLINED: _("Refusé : "),
    }[partstat]


def _sentence(partstat: str) -> str:
    return {
        ACCEPTED: _("{who} accepte l'invitation « {what} »{when}."),
        TENTATIVE: _("{who} participera peut-être à « {what} »{when}."),
        DECLINED: _("{who} refuse l'invitation « {what} »{when}."),
    }[partstat]


def check(event: CalendarEvent, address: str) -> tuple[str, str]:
    """(organiser, attendee) addresses to answer with, or an InvitationError saying
    why this invitation cannot be answered from `address`."""
    if event.kind == "cancel":
        raise InvitationError(_("Cette réunion est annulée : il n'y a rien à répondre."))
    if event.kind not in ("request", "update"):
        raise InvitationError(_("Ce message n'est pas une invitation qui attend une réponse."))
    if not event.uid:
        raise InvitationError(
            _(
                "Cette invitation n'a pas d'identifiant (UID) lisible : votre agenda ne "
                "pourrait pas la reconnaître. Répondez par un message (r)."
            )
        )
    if event.recurrence_id == "":
        raise InvitationError(
            _(
                "Cette invitation porte sur une seule date d'une série, dans un fuseau "
                "horaire inconnu : répondez par un message (r)."
            )
        )
    if not event.organizer_address:
        raise InvitationError(
            _("Cette invitation n'indique pas d'organisateur : personne ne recevrait la réponse.")
        )
    try:
        organizer = check_address(one_line(event.organizer_address, 320))
    except AddressError as error:
        raise InvitationError(
            _(
                "L'adresse de l'organisateur n'est pas valide — {reason} La réponse "
                "n'est pas envoyée ; répondez par un message (r) si vous connaissez la "
                "bonne adresse."
            ).format(reason=error.message)
        ) from None
    attendee = event.attendee(address)
    if attendee is None:
        raise InvitationError(
            _(
                "Votre adresse ({address}) n'est pas parmi les invités de cette réunion : "
                "répondez à l'organisateur par un message (r)."
            ).format(address=one_line(address, 320))
        )
    try:
        return organizer, check_address(one_line(attendee.address, 320))
    except AddressError as error:
        raise InvitationError(error.message) from None


def reply_calendar(
    event: CalendarEvent, organizer: str, attendee: str, name: str, partstat: str, stamp: datetime
) -> str:
    """The iCalendar text of the REPLY: CRLF lines, folded, nothing else copied."""
    if partstat not in PARTSTATS:
        raise ValueError(partstat)
    person = f";CN={quote_param(one_line(name, 200))}" if one_line(name, 200) else ""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{utc_text(stamp)}",
        f"ORGANIZER:mailto:{organizer}",
        f"ATTENDEE;PARTSTAT={partstat}{person}:mailto:{attendee}",
    ]
    if event.recurrence_id:
        lines.append(f"RECURRENCE-ID{event.recurrence_id}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) for line in lines)


def build_reply(
    identity: Identity,
    event: CalendarEvent,
    partstat: str,
    *,
    in_reply_to: str = "",
    references: Sequence[str] = (),
) -> EmailMessage:
    """The answer to send to the organiser (raises InvitationError when there can be
    none): a short text, and the REPLY as « text/calendar; method=REPLY »."""
    organizer, attendee = check(event, identity.email)
    what = one_line(event.summary, 200) or _("(sans titre)")
    moment = f" ({when(event.start, event.end, event.unknown_zone)})" if event.start else ""
    who = one_line(identity.display_name, 200) or identity.email
    draft = Draft(
        to=organizer,
        subject=_subject_prefix(partstat) + what,
        body=_sentence(partstat).format(who=who, what=what, when=moment) + "\n",
        in_reply_to=in_reply_to,
        references=list(references),
        kind="reply",
    )
    message = build_message(identity, draft)
    name, stamp = identity.display_name, formatting.now()
    text = reply_calendar(event, organizer, attendee, name, partstat, stamp)
    message.add_alternative(
        text,
        subtype="calendar",
        charset="utf-8",
        cte="7bit" if text.isascii() else "base64",
        params={"method": "REPLY"},
    )
    return message
