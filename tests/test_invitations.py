"""Invitations as Outlook, Thunderbird and Google Calendar write them, summarised with
the time in the user's own zone (#20): TZID with VTIMEZONE, Windows zone names, UTC,
floating times, all-day dates; cancellations and updates said as such."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from tests import corpus_helpers
from tui.core.i18n import set_language
from tui.core.mail.ical import MAX_DEPTH, content_line, parse, unfold_bytes
from tui.core.mail.icaltime import Zones, parse_time
from tui.core.mail.invitations import CalendarEvent, answerable, summarise_calendar
from tui.core.mail.mime import parse_message

PARIS = "Europe/Paris"


def in_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()


@pytest.fixture(autouse=True)
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The user is in Paris unless a test says otherwise; French unless it says so."""
    in_zone(monkeypatch, PARIS)
    set_language("fr")
    yield
    set_language("fr")


def events_of(name: str) -> list[CalendarEvent]:
    return parse_message((corpus_helpers.CORPUS / name).read_bytes()).calendar


def ics(*event_lines: str, method: str = "REQUEST", extra: str = "") -> str:
    body = "\r\n".join(event_lines)
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:{method}\r\n{extra}"
        f"BEGIN:VEVENT\r\nUID:u1\r\nSUMMARY:Conseil\r\n{body}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def quand(text: str) -> str:
    (event,) = summarise_calendar(text)
    return next(line for line in event.lines() if line.startswith("Quand"))


# --- the three writers -------------------------------------------------------------------


def test_outlook_romance_standard_time_read_through_its_vtimezone() -> None:
    (event,) = events_of("invitation-outlook.eml")  # inside multipart/alternative, base64
    assert event.lines() == [
        "Invitation : Conseil d'administration",
        "Quand : jeudi 10 décembre 2026, 14:00–15:30 (heure de Paris)",
        "Où : Salle du conseil, rectorat",
        "Organisateur : Sophie Bernard <sophie.bernard@ac-dijon.fr>",
    ]
    assert event.start == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    assert event.uid.startswith("040000008200E00074C5B7101A82E008")
    assert [a.address for a in event.attendees] == [
        "Jean.Dupont@ac-dijon.fr",
        "claire.martin@ac-dijon.fr",
    ]
    assert event.can_answer("jean.dupont@ac-dijon.fr")  # addresses compared without case


def test_thunderbird_europe_paris_and_its_copy_as_invite_ics_shown_once() -> None:
    message = parse_message((corpus_helpers.CORPUS / "invitation-thunderbird.eml").read_bytes())
    (event,) = message.calendar  # the text/calendar part, not again from application/ics
    assert event.lines()[:2] == [
        "Invitation : Réunion parents-professeurs (3e B)",
        "Quand : mardi 17 novembre 2026, 17:00–19:00 (heure de Paris)",
    ]
    assert event.start == datetime(2026, 11, 17, 16, 0, tzinfo=UTC)
    assert "invite.ics" in [a.filename for a in message.attachments]


def test_google_utc_times_shown_in_the_users_zone() -> None:
    (event,) = events_of("invitation-google.eml")
    assert event.lines() == [
        "Invitation : Rendez-vous au sujet de Léa",
        "Quand : jeudi 3 décembre 2026, 14:00–15:00 (heure de Paris)",
        # Google writes CN=the address: said once
        "Organisateur : anne.petit.parent@gmail.com",
    ]
    assert event.attendee("jean.dupont@ac-dijon.fr") is not None


def test_the_same_times_in_another_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    in_zone(monkeypatch, "America/New_York")
    assert events_of("invitation-outlook.eml")[0].lines()[1] == (
        "Quand : jeudi 10 décembre 2026, 08:00–09:30 (heure de New York)"
    )
    in_zone(monkeypatch, "UTC")
    assert events_of("invitation-google.eml")[0].lines()[1] == (
        "Quand : jeudi 3 décembre 2026, 13:00–14:00 (heure UTC)"
    )


def test_thunderbird_cancellation_is_said_and_cannot_be_answered() -> None:
    (event,) = events_of("invitation-thunderbird-cancel.eml")
    assert event.kind == "cancel"
    assert event.lines()[0] == "Réunion annulée : Réunion parents-professeurs (3e B)"
    assert not event.can_answer("jean.dupont@ac-dijon.fr")


def test_an_update_is_said_as_such() -> None:
    text = ics("SEQUENCE:2", "DTSTART:20261210T130000Z")
    (event,) = summarise_calendar(text)
    assert event.kind == "update" and event.sequence == 2
    assert event.lines()[0] == "Invitation mise à jour : Conseil"
    (cancelled,) = summarise_calendar(ics("STATUS:CANCELLED", "DTSTART:20261210T130000Z"))
    assert cancelled.kind == "cancel"


def test_a_reply_says_who_answered_what() -> None:
    text = ics(
        "ATTENDEE;CN=Claire Martin;PARTSTAT=ACCEPTED:mailto:claire.martin@ac-dijon.fr",
        "ATTENDEE;PARTSTAT=DECLINED:mailto:luc.moreau@ac-dijon.fr",
        method="REPLY",
    )
    (event,) = summarise_calendar(text)
    assert event.lines() == [
        "Réponse à une invitation : Conseil",
        "Claire Martin accepte",
        "luc.moreau@ac-dijon.fr refuse",
    ]


def test_english(monkeypatch: pytest.MonkeyPatch) -> None:
    set_language("en")
    (event,) = events_of("invitation-outlook.eml")
    assert event.lines()[:2] == [
        "Invitation: Conseil d'administration",
        "When: Thursday 10 December 2026, 14:00–15:30 (Paris time)",
    ]


# --- every kind of time ------------------------------------------------------------------


def test_floating_time_is_shown_as_written() -> None:
    assert quand(ics("DTSTART:20261210T140000", "DTEND:20261210T153000")) == (
        "Quand : jeudi 10 décembre 2026, 14:00–15:30 (heure locale)"
    )


def test_all_day_events_one_day_and_several() -> None:
    one = ics("DTSTART;VALUE=DATE:20261210", "DTEND;VALUE=DATE:20261211")
    assert quand(one) == "Quand : jeudi 10 décembre 2026, toute la journée"
    assert quand(ics("DTSTART;VALUE=DATE:20261210")) == (
        "Quand : jeudi 10 décembre 2026, toute la journée"
    )
    several = ics("DTSTART;VALUE=DATE:20261207", "DTEND;VALUE=DATE:20261210")
    assert quand(several) == (
        "Quand : du lundi 7 décembre 2026 au mercredi 9 décembre 2026, journées entières"
    )
    (event,) = summarise_calendar(ics("DTSTART;VALUE=DATE:20261207", "DURATION:P2D"))
    assert event.end == date(2026, 12, 9)


def test_span_over_two_days_and_duration() -> None:
    assert quand(ics("DTSTART:20261210T200000Z", "DURATION:PT5H")) == (
        "Quand : jeudi 10 décembre 2026 à 21:00 – vendredi 11 décembre 2026 à 02:00 "
        "(heure de Paris)"
    )
    assert quand(ics("DTSTART:20261210T130000Z")) == (
        "Quand : jeudi 10 décembre 2026 à 14:00 (heure de Paris)"
    )


def test_windows_zone_name_without_vtimezone() -> None:
    text = ics("DTSTART;TZID=Romance Standard Time:20260618T100000")
    (event,) = summarise_calendar(text)
    assert event.start == datetime(2026, 6, 18, 8, 0, tzinfo=UTC)  # summer: UTC+2


def test_older_thunderbird_zone_names() -> None:
    text = ics("DTSTART;TZID=/mozilla.org/20071231_1/Europe/Paris:20261210T140000")
    (event,) = summarise_calendar(text)
    assert event.start == datetime(2026, 12, 10, 13, 0, tzinfo=UTC)


ROMANCE = (
    "BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n"
    "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n"
    "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\n"
    "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r\n"
    "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)


def test_outlook_descriptive_zone_name_is_read_through_its_vtimezone() -> None:
    tzid = "(UTC+01:00) Bruxelles, Copenhague, Madrid, Paris"
    text = ics(f'DTSTART;TZID="{tzid}":20260618T100000', extra=ROMANCE.format(tzid=tzid))
    (event,) = summarise_calendar(text)
    assert event.start == datetime(2026, 6, 18, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        ("20260329T013000", "2026-03-29 00:30"),  # before summer time (last Sunday of March)
        ("20260329T030000", "2026-03-29 01:00"),  # just after the change
        ("20261025T013000", "2026-10-24 23:30"),  # still summer time the day it ends
        ("20261025T040000", "2026-10-25 03:00"),  # winter time again
        ("20270328T030000", "2027-03-28 01:00"),  # another year, another Sunday
    ],
)
def test_vtimezone_changes_on_the_right_day(wall: str, utc: str) -> None:
    """A zone named only by its VTIMEZONE (not an IANA or Windows name): its rules."""
    (calendar,) = parse("BEGIN:VCALENDAR\r\n" + ROMANCE.format(tzid="Heure de bureau"))
    prop = content_line(f"DTSTART;TZID=Heure de bureau:{wall}")
    assert prop is not None
    moment, unknown = parse_time(prop, Zones(calendar.walk("VTIMEZONE")))
    assert isinstance(moment, datetime) and not unknown
    assert f"{moment.astimezone(UTC):%Y-%m-%d %H:%M}" == utc


def test_unknown_zone_is_said_and_the_time_kept_as_written() -> None:
    assert quand(ics("DTSTART;TZID=Mars/Olympus:20261210T140000")) == (
        "Quand : jeudi 10 décembre 2026 à 14:00 (fuseau horaire « Mars/Olympus » inconnu)"
    )


@pytest.mark.parametrize(
    "tzid", ["../../../../etc/passwd", "/etc/localtime", "A" * 5000, "Europe/Paris\x00"]
)
def test_hostile_zone_names_read_nothing(tzid: str) -> None:
    (event,) = summarise_calendar(ics(f'DTSTART;TZID="{tzid}":20261210T140000'))
    assert isinstance(event.start, datetime) and event.start.tzinfo is None


def test_recurring_event_and_its_occurrences() -> None:
    text = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:s1\r\nSUMMARY:Équipe\r\n"
        "DTSTART;TZID=Europe/Paris:20261207T170000\r\nRRULE:FREQ=WEEKLY;INTERVAL=2\r\n"
        "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:s1\r\nSUMMARY:Équipe\r\n"
        "RECURRENCE-ID;TZID=Europe/Paris:20261221T170000\r\n"
        "DTSTART;TZID=Europe/Paris:20261222T170000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    series, moved = summarise_calendar(text)
    assert "Répétition : toutes les 2 semaines" in series.lines()
    assert series.recurrence_id is None
    assert moved.recurrence_id == ":20261221T160000Z"  # in UTC: no VTIMEZONE to copy
    (date_only,) = summarise_calendar(ics("RECURRENCE-ID;VALUE=DATE:20261221"))
    assert date_only.recurrence_id == ";VALUE=DATE:20261221"


def test_answerable_prefers_the_series() -> None:
    me = "jean.dupont@ac-dijon.fr"
    line = f"ATTENDEE:mailto:{me}"
    one = summarise_calendar(ics(line, "RECURRENCE-ID:20261221T160000Z"))[0]
    whole = summarise_calendar(ics(line))[0]
    assert answerable([one, whole], me) is whole
    assert answerable([one], me) is one
    assert answerable([whole], "autre@ac-dijon.fr") is None


# --- hostile syntax ----------------------------------------------------------------------


def test_quoted_parameters_may_hold_colons_and_semicolons() -> None:
    prop = content_line('ORGANIZER;CN="Durand; Marie: CPE";X=a,"b:c":mailto:m@ac-dijon.fr')
    assert prop is not None
    assert prop.params == {"CN": "Durand; Marie: CPE", "X": "a,b:c"}
    assert prop.value == "mailto:m@ac-dijon.fr"
    assert content_line('X;CN="unterminated:v') is None
    assert content_line("no colon here") is None


def test_a_fold_inside_a_utf8_character_is_undone_before_decoding() -> None:
    raw = "SUMMARY:Réunion".encode()
    cut = raw.index(b"\xa9")  # between the two bytes of « é »
    folded = raw[:cut] + b"\r\n " + raw[cut:]
    assert unfold_bytes(folded).decode() == "SUMMARY:Réunion"
    message = (
        b"From: a@ac-dijon.fr\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n"
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + folded + b"\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert parse_message(message).calendar[0].summary == "Réunion"


def test_deep_nesting_and_many_events_are_bounded() -> None:
    deep = "BEGIN:VCALENDAR\r\n" + "BEGIN:X\r\n" * 10_000 + "END:X\r\n" * 10_000
    deep += "BEGIN:VEVENT\r\nSUMMARY:après\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    (calendar,) = parse(deep)
    depth, node = 0, calendar
    while node.components:
        node = node.components[0]
        depth += 1
    assert depth < MAX_DEPTH
    assert [e.summary for e in summarise_calendar(deep)] == ["après"]
    many = "BEGIN:VCALENDAR\r\n" + "BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n" * 5000
    assert len(summarise_calendar(many)) == 10


def test_hostile_values_are_sanitised() -> None:
    text = ics(
        "LOCATION:salle\\n12\x1b]0;titre\x07",
        'ATTENDEE;CN="Jean^nDupont";PARTSTAT=NEEDS-ACTION:mailto:jean.dupont@ac-dijon.fr',
        "ORGANIZER;CN=Chef\x9b31m:mailto:chef@ac-dijon.fr",
        "SEQUENCE:" + "9" * 5000,
        "UID:bad\x00uid",
    )
    (event,) = summarise_calendar(text)
    assert event.location == "salle 12"
    assert event.attendees[0].name == "Jean Dupont"
    assert "\x9b" not in event.organizer and "\x1b" not in event.location
    assert event.sequence == 0
    assert event.uid == "u1"  # the first UID; the second is not read
    (bad,) = summarise_calendar(ics("DTSTART:20261210T130000Z").replace("UID:u1", "UID:a\x00b"))
    assert bad.uid == ""  # unusable: an answer would not match it


def test_dates_at_the_edge_of_time_and_absurd_offsets() -> None:
    zone = (
        "BEGIN:VTIMEZONE\r\nTZID:Z\r\nBEGIN:STANDARD\r\nDTSTART:00010101T000000\r\n"
        "TZOFFSETFROM:+2359\r\nTZOFFSETTO:-9999\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    for value in ("99991231T235959", "00010101T000000", "20261399T250000"):
        (event,) = summarise_calendar(ics(f"DTSTART;TZID=Z:{value}", extra=zone))
        event.lines()
    (event,) = summarise_calendar(ics("DTSTART:20261210T130000Z", f"DURATION:P{'9' * 50}D"))
    assert event.end is None
    assert event.start is not None
    assert event.start + timedelta(hours=1) > event.start
