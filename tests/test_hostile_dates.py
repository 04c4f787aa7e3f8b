"""Dates are hostile input (issue #14): no Date header can end the app or lock it out.

`31 Dec 9999 23:59:59 -1200` is year 10000 in UTC; stored and read back it used to raise
`ValueError: year 10000 is out of range` on every launch. Every path a date takes —
header → summary → cache → list row → threads → reader → `show` → reply — is fed
arbitrary headers here, and an old cache holding such a row must still open.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tui import show
from tui.account import reader_view
from tui.commands import add_show
from tui.core.mail import dates
from tui.core.mail.compose import Identity
from tui.core.mail.formatting import list_date, long_date, shown_date
from tui.core.mail.mime import parse_message
from tui.core.mail.new_drafts import attribution, forward_draft, reply_draft
from tui.core.mail.summary import parse_summary
from tui.core.mail.threads import thread_order
from tui.core.store.cache import Cache

EDGE_DATES = [
    "Fri, 31 Dec 9999 23:59:59 -1200",  # year 10000 in UTC
    "Fri, 31 Dec 9999 23:59:59 +1400",
    "Fri, 31 Dec 9999 23:59:59 -0000",
    "Mon, 1 Jan 0001 00:00:00 +1400",  # year 0 in UTC
    "Mon, 1 Jan 1000 00:00:00 -2359",
    "Thu, 1 Jan 1970 00:00:00 -0001",  # a negative epoch
    "Wed, 31 Dec 1969 23:59:59 +0000",
    "1 Jan 99999999999999999999 00:00 +0000",  # a 20-digit year
    "1 Jan 10000 00:00 +0000",
    "31 Dec 9999 23:59:59 +9959",  # an offset past 24 h
    "garbage",
    "",
    "Mon, 32 Foo 2026 25:61:61 +0000",
]


ME = Identity("Prénom Nom", "prenom.nom@ac-dijon.fr")


def header_message(date: str, subject: str = "Rendez-vous") -> bytes:
    return (
        f"From: Marie Durand <marie.durand@ac-dijon.fr>\r\n"
        f"To: prenom.nom@ac-dijon.fr\r\n"
        f"Subject: {subject}\r\n"
        f"Date: {date}\r\n"
        f"Message-ID: <{abs(hash((date, subject)))}@ac-dijon.fr>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour.\r\n"
    ).encode()


def fetch_data(date: str, internaldate: object = None) -> dict[bytes, object]:
    head = header_message(date).split(b"\r\n\r\n")[0] + b"\r\n\r\n"
    data: dict[bytes, object] = {
        b"FLAGS": (b"\\Seen",),
        b"RFC822.SIZE": 120,
        b"BODY[HEADER.FIELDS (DATE FROM TO CC SUBJECT)]": head,
    }
    if internaldate is not None:
        data[b"INTERNALDATE"] = internaldate
    return data


def through_everything(tmp_path: Path, headers: list[str]) -> None:
    """Every header through summary → cache → list, threads, search, reader, reply."""
    cache = Cache.open(tmp_path / "cache.sqlite")
    try:
        arrival = datetime(2026, 3, 12, 9, 14, tzinfo=UTC)
        summaries = [
            parse_summary("INBOX", uid, fetch_data(header, arrival if uid % 2 else None))
            for uid, header in enumerate(headers, 1)
        ]
        cache.put_summaries(summaries)
        rows = cache.page("INBOX", 0, len(headers) + 1)
        assert len(rows) == len(headers)
        for row in rows:
            list_date(row.date, 8)
            list_date(row.date, 12)
            long_date(row.date)
            dates.sort_key(row.date)
        thread_order(cache.thread_rows("INBOX"))
        cache.search("Rendez-vous")
        for header in headers:
            message = parse_message(header_message(header))
            shown = shown_date(message.date, message.raw_date)
            assert shown
            reader_view(message)
            attribution(message)
            raw = header_message(header)
            reply_draft(ME, raw)
            forward_draft(ME, raw)
    finally:
        cache.close()


@pytest.mark.parametrize("header", EDGE_DATES)
def test_edge_dates_go_everywhere(tmp_path: Path, header: str) -> None:
    through_everything(tmp_path, [header])


def test_edge_dates_together(tmp_path: Path) -> None:
    through_everything(tmp_path, EDGE_DATES)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=60).map(lambda s: s.replace("\r", " ").replace("\n", " ")),
            st.builds(
                "{} {} {} {:02}:{:02}:{:02} {}{:04}".format,
                st.integers(0, 40),
                st.sampled_from(["Jan", "Feb", "Dec", "Foo"]),
                st.integers(-5, 10**21),
                st.integers(0, 99),
                st.integers(0, 99),
                st.integers(0, 99),
                st.sampled_from(["+", "-"]),
                st.integers(0, 9999),
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_arbitrary_date_headers_never_raise(headers: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        through_everything(Path(folder), headers)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-12))])),
    st.integers(-(24 * 60 - 1), 24 * 60 - 1),
)
def test_stored_dates_round_trip_or_are_refused(moment: datetime, minutes: int) -> None:
    moment = (
        moment.astimezone(timezone(timedelta(minutes=minutes))) if dates.usable(moment) else moment
    )
    safe = dates.usable(moment)
    if safe is None:
        return
    seconds, offset = dates.to_stored(safe)
    back = dates.from_stored(seconds, offset)
    assert back is not None
    assert abs((back - safe).total_seconds()) < 1
    list_date(back)
    long_date(back)


def test_a_cache_written_before_the_fix_still_opens(tmp_path: Path) -> None:
    """An older courriel stored year 10000 as its timestamp; the row must read as undated."""
    path = tmp_path / "cache.sqlite"
    cache = Cache.open(path)
    cache.put_summaries([parse_summary("INBOX", 1, fetch_data("Mon, 2 Mar 2026 10:00 +0100"))])
    cache.close()
    for seconds, offset in [(253402343999, -720), (10**18, 10**9), (-(10**15), 0)]:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE messages SET date = ?, date_offset = ?", (seconds, offset))
        db.close()
        cache = Cache.open(path)
        try:
            [row] = cache.page("INBOX", 0, 10)
            assert row.date is None
            assert list_date(row.date) == "inconnue"
        finally:
            cache.close()


def test_undated_message_shows_the_header_as_sent_in_the_reader() -> None:
    message = parse_message(header_message("Fri, 31 Dec 9999 23:59:59 -1200"))
    assert message.date is None
    assert shown_date(message.date, message.raw_date) == "Fri, 31 Dec 9999 23:59:59 -1200"
    empty = parse_message(header_message(""))
    assert shown_date(empty.date, empty.raw_date) == "date inconnue"


def test_unusable_header_falls_back_to_the_arrival_time() -> None:
    arrival = datetime(2026, 3, 12, 9, 14, tzinfo=UTC)
    summary = parse_summary("INBOX", 1, fetch_data("31 Dec 9999 23:59:59 -1200", arrival))
    assert summary.date == arrival


def test_show_prints_an_edge_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`courriel show` and `--save-attachments` used to raise OverflowError here."""
    path = tmp_path / "m.eml"
    path.write_bytes(header_message("Fri, 31 Dec 9999 23:59:59 -1200"))
    parser = argparse.ArgumentParser(prog="courriel")
    add_show(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["show", str(path), "--save-attachments", str(tmp_path / "out")])
    assert show.run(args) == 0
    assert "9999" in capsys.readouterr().out


@pytest.mark.parametrize(
    "dtstart",
    ["99991231T235959Z", "00010101T000000Z", "99991231T235959", "20261212T100000"],
)
def test_invitation_at_the_edge_of_time(dtstart: str) -> None:
    ics = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Conseil\r\n"
        f"DTSTART:{dtstart}\r\nDURATION:P10000D\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw = (
        "From: a@ac-dijon.fr\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n" + ics
    ).encode()
    message = parse_message(raw)
    for event in message.calendar:
        event.lines()


def test_time_zone_of_the_machine_does_not_matter(monkeypatch: pytest.MonkeyPatch) -> None:
    for zone in ("Pacific/Kiritimati", "Etc/GMT+12", "Europe/Paris"):
        monkeypatch.setenv("TZ", zone)
        time.tzset()
        for header in EDGE_DATES:
            message = parse_message(header_message(header))
            shown_date(message.date, message.raw_date)
            summary = parse_summary("INBOX", 1, fetch_data(header))
            list_date(summary.date)
    monkeypatch.delenv("TZ")
    time.tzset()


def test_an_absurd_invitation_duration_keeps_the_message_readable() -> None:
    """Review: DURATION:P<5000 nines>D raised ValueError (int() of too many digits) and
    the reader showed « message illisible » instead of the body."""
    ics = (
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:Conseil\r\n"
        f"DTSTART:20261212T100000Z\r\nDURATION:P{'9' * 5000}D\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    raw = (
        "From: a@ac-dijon.fr\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nLe corps reste lisible.\r\n--b\r\n"
        "Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n" + ics + "--b--\r\n"
    ).encode()
    message = parse_message(raw)
    assert "Le corps reste lisible." in message.body
    assert [event.summary for event in message.calendar] == ["Conseil"]
