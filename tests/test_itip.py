"""The answer to an invitation (#20): an iTIP REPLY (RFC 5546 §3.2.3) carried as iMIP
(RFC 6047), read back with the standard library; nothing from the invitation can add
a line or a property to it, and an organiser without a valid address gets no answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy

import pytest

from tests import corpus_helpers
from tui.core.i18n import set_language
from tui.core.mail import formatting
from tui.core.mail.compose import Identity, to_bytes
from tui.core.mail.ical import parse, unescape_text
from tui.core.mail.invitations import CalendarEvent, answerable, summarise_calendar
from tui.core.mail.itip import ACCEPTED, DECLINED, TENTATIVE, InvitationError, build_reply
from tui.core.mail.mime import parse_message

ME = Identity("Jean Dupont", "jean.dupont@ac-dijon.fr")
NOW = datetime(2026, 11, 30, 8, 15, 42, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    monkeypatch.setattr(formatting, "now", lambda: NOW)
    set_language("fr")
    yield
    set_language("fr")


def invitation(name: str) -> tuple[CalendarEvent, str]:
    message = parse_message((corpus_helpers.CORPUS / name).read_bytes())
    event = answerable(message.calendar, ME.email)
    assert event is not None
    return event, message.message_id


def sent(event: CalendarEvent, partstat: str = ACCEPTED, **kw: object) -> Message:
    """The answer as the organiser's mail client reads it."""
    raw = to_bytes(build_reply(ME, event, partstat, **kw))  # type: ignore[arg-type]
    assert b"\r\n" in raw and not re.search(rb"[^\r]\n", raw)  # CRLF everywhere
    return message_from_bytes(raw, policy=default_policy)


def calendar_part(message: Message) -> tuple[Message, str]:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return part, payload.decode("utf-8")


def lines_of(text: str) -> list[str]:
    """Content lines, unfolded."""
    return re.sub(r"\r\n[ \t]", "", text).split("\r\n")[:-1]


@pytest.mark.parametrize(
    ("name", "organizer", "attendee"),
    [
        ("invitation-outlook.eml", "sophie.bernard@ac-dijon.fr", "Jean.Dupont@ac-dijon.fr"),
        ("invitation-thunderbird.eml", "luc.moreau@ac-dijon.fr", "jean.dupont@ac-dijon.fr"),
        ("invitation-google.eml", "anne.petit.parent@gmail.com", "jean.dupont@ac-dijon.fr"),
    ],
)
def test_reply_to_each_writer(name: str, organizer: str, attendee: str) -> None:
    event, message_id = invitation(name)
    message = sent(event, in_reply_to=message_id, references=[message_id])
    assert message["To"] == organizer
    assert message["From"] == "Jean Dupont <jean.dupont@ac-dijon.fr>"
    assert message["In-Reply-To"] == message_id
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and "Jean Dupont accepte l'invitation" in text.get_content()

    part, ics = calendar_part(message)
    assert part.get_param("method") == "REPLY"  # RFC 6047 §2.4: the same as METHOD
    assert str(part.get_content_charset()).lower() == "utf-8"
    assert lines_of(ics) == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//courriel//courriel//FR",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        "SEQUENCE:0",
        "DTSTAMP:20261130T081542Z",
        f"ORGANIZER:mailto:{organizer}",
        f'ATTENDEE;PARTSTAT=ACCEPTED;CN="Jean Dupont":mailto:{attendee}',
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))
    (calendar,) = parse(ics)
    (vevent,) = calendar.walk("VEVENT")
    uid = vevent.first("UID")
    assert uid is not None and unescape_text(uid.value) == event.uid


@pytest.mark.parametrize(
    ("partstat", "subject", "sentence"),
    [
        (ACCEPTED, "Accepté : Conseil d'administration", "accepte l'invitation"),
        (TENTATIVE, "Provisoire : Conseil d'administration", "participera peut-être à"),
        (DECLINED, "Refusé : Conseil d'administration", "refuse l'invitation"),
    ],
)
def test_each_answer(partstat: str, subject: str, sentence: str) -> None:
    event, _id = invitation("invitation-outlook.eml")
    message = sent(event, partstat)
    assert message["Subject"] == subject
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert text.get_content().replace("\r\n", "\n") == (
        f"Jean Dupont {sentence} « Conseil d'administration » "
        "(jeudi 10 décembre 2026, 14:00–15:30 (heure de Paris)).\n"
    )
    assert f"ATTENDEE;PARTSTAT={partstat};" in lines_of(calendar_part(message)[1])[9]


def test_an_update_keeps_its_sequence_and_an_occurrence_its_recurrence_id() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:s1@ac-dijon.fr\r\n"
        "SEQUENCE:3\r\nSUMMARY:Équipe\r\nORGANIZER:MAILTO:chef@ac-dijon.fr\r\n"
        "ATTENDEE:mailto:jean.dupont@ac-dijon.fr\r\n"
        "RECURRENCE-ID;TZID=Europe/Paris:20261221T170000\r\n"
        "DTSTART;TZID=Europe/Paris:20261222T170000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = summarise_calendar(text)
    ics = lines_of(calendar_part(sent(event, TENTATIVE))[1])
    assert "SEQUENCE:3" in ics
    assert "RECURRENCE-ID:20261221T160000Z" in ics
    assert not any("TZID" in line for line in ics)  # no VTIMEZONE needed


def test_nothing_from_the_invitation_injects_a_line() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        # A UID with every TEXT special in it
        "UID:a:METHOD:CANCEL\\,b\\;c\\\\d\r\n"
        "SUMMARY:Conseil\\nBCC: espion@exemple.fr\r\n"
        'ORGANIZER;CN="Chef\r\n X-INJECTED:1":mailto:chef@ac-dijon.fr\r\n'
        'ATTENDEE;CN="Jean^nDupont";PARTSTAT=NEEDS-ACTION:mailto:jean.dupont@ac-dijon.fr\r\n'
        "X-MICROSOFT-CDO-OWNERAPPTID:42\r\nDESCRIPTION:secret\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = summarise_calendar(text)
    message = sent(event)
    assert message["Subject"] == "Accepté : Conseil BCC: espion@exemple.fr"
    assert message["Bcc"] is None
    _part, ics = calendar_part(message)
    unfolded = lines_of(ics)
    assert [line.split(":")[0].split(";")[0] for line in unfolded] == [
        "BEGIN", "VERSION", "PRODID", "METHOD", "BEGIN",
        "UID", "SEQUENCE", "DTSTAMP", "ORGANIZER", "ATTENDEE",
        "END", "END",
    ]  # fmt: skip
    assert unfolded[5] == "UID:a:METHOD:CANCEL\\,b\\;c\\\\d"  # escaped again, one line
    assert "X-INJECTED" not in ics and "secret" not in ics and "OWNERAPPTID" not in ics
    assert unfolded.count("METHOD:REPLY") == 1


def test_the_users_name_is_quoted_and_may_have_accents() -> None:
    event, _id = invitation("invitation-thunderbird.eml")
    who = Identity('Élodie "Lilou" Fèvre\r\nX: y', "jean.dupont@ac-dijon.fr")
    raw = to_bytes(build_reply(who, event, ACCEPTED))
    _part, ics = calendar_part(message_from_bytes(raw, policy=default_policy))
    assert (
        "ATTENDEE;PARTSTAT=ACCEPTED;CN=\"Élodie 'Lilou' Fèvre X: y\":mailto:" in (lines_of(ics)[9])
    )
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


@pytest.mark.parametrize(
    "organizer",
    [
        "mailto:chef@ac-dijon.fr\\r\\nBcc: espion@exemple.fr",
        "mailto:chef@ac-dijon.fr Bcc: espion@exemple.fr",
        "mailto:chef@ac-dijon.fr,espion@exemple.fr",
        "mailto:chef",
        "mailto:chéf@ac-dijon.fr",
        "http://exemple.fr/agenda",
        'mailto:"chef"@ac-dijon.fr',
    ],
)
def test_an_organizer_without_a_valid_address_gets_no_answer(organizer: str) -> None:
    text = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
        f"ORGANIZER:{organizer}\r\nATTENDEE:mailto:jean.dupont@ac-dijon.fr\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = summarise_calendar(text)
    with pytest.raises(InvitationError) as raised:
        build_reply(ME, event, ACCEPTED)
    assert raised.value.message.startswith("L'adresse de l'organisateur n'est pas valide")
    assert raised.value.title == "Réponse impossible"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("METHOD:REQUEST", "METHOD:CANCEL"), "Cette réunion est annulée"),
        (("METHOD:REQUEST", "METHOD:PUBLISH"), "n'est pas une invitation qui attend"),
        (("UID:u1\r\n", ""), "pas d'identifiant (UID)"),
        (("UID:u1", "UID:u\\n1"), "pas d'identifiant (UID)"),
        (("ORGANIZER:mailto:chef@ac-dijon.fr\r\n", ""), "n'indique pas d'organisateur"),
        (("jean.dupont@", "claire.martin@"), "Votre adresse (jean.dupont@ac-dijon.fr) n'est pas"),
    ],
)
def test_what_cannot_be_answered_is_said(change: tuple[str, str], expected: str) -> None:
    text = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1\r\n"
        "ORGANIZER:mailto:chef@ac-dijon.fr\r\nATTENDEE:mailto:jean.dupont@ac-dijon.fr\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).replace(*change)
    (event,) = summarise_calendar(text)
    with pytest.raises(InvitationError, match=re.escape(expected)):
        build_reply(ME, event, ACCEPTED)


def test_english_answer() -> None:
    set_language("en")
    event, _id = invitation("invitation-google.eml")
    message = sent(event, DECLINED)
    assert message["Subject"] == "Declined: Rendez-vous au sujet de Léa"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None and text.get_content().startswith(
        "Jean Dupont declines the invitation “Rendez-vous au sujet de Léa”"
    )
