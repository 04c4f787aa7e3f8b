"""The reader's gaps found by a newcomer (issue #17): a message never downloaded while
offline, a body fetch that fails, and invitations summarised as `courriel show` does."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import corpus_helpers
from tests.app_helpers import FIXED_NOW, demo_app
from tests.conftest import Bed
from tests.test_mailbox_server import running
from tui.account import Account
from tui.app import CourrielApp
from tui.bridge import carry
from tui.core.account import contract
from tui.core.errors import MailError
from tui.core.mail import formatting
from tui.core.mail.mime import parse_message
from tui.core.mail.summary import Summary
from tui.core.store.cache import Cache
from tui.demo import open_demo
from tui.screens.mailbox import MailboxScreen
from tui.widgets.reader import Reader

NOT_DOWNLOADED = "pas encore téléchargé"
LOADING = "Chargement du message…"
UID = 9000  # far above the demo's own uids
HOSTILE = "[@click=app.quit]x[/]"


def reader_text(app: CourrielApp) -> str:
    reader = app.screen.query_one(Reader)
    return reader.text


def add_message(cache: Cache, raw: bytes, *, with_body: bool) -> None:
    """A message newer than the whole demo mailbox (the list's first row), its body
    cached or not (synced headers only: never opened before)."""
    parsed = parse_message(raw)
    name, address = parsed.from_[0] if parsed.from_ else ("", "")
    summary = Summary(
        folder="INBOX",
        uid=UID,
        date=datetime(2026, 11, 23, 13, 29, tzinfo=UTC),
        sender_name=name,
        sender_address=address,
        to="",
        subject=parsed.subject,
        size=len(raw),
        flags=frozenset(),
        has_attachment=bool(parsed.attachments),
        message_id=parsed.message_id,
        in_reply_to="",
        references="",
    )
    cache.put_summaries([summary])
    if with_body:
        cache.put_body("INBOX", UID, raw)
    cache.set_counts("INBOX")


PLAIN = (
    b"From: Claire Martin <claire.martin@ac-dijon.fr>\r\n"
    b"To: marie.durand@ac-dijon.fr\r\n"
    b"Subject: Jamais ouvert\r\n"
    b"Date: Mon, 23 Nov 2026 13:29:00 +0000\r\n"
    b"Message-ID: <jamais@ac-dijon.fr>\r\n"
    b"\r\n"
    b"Le corps arrive du serveur.\r\n"
)


@contextmanager
def account_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CourrielApp, list[object]]]:
    """The app on a real (not demo) account whose worker requests are recorded: the
    test plays the worker by posting its events."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(formatting, "now", lambda: FIXED_NOW)
    config, cache, folder = open_demo()
    requests: list[object] = []
    with folder:
        add_message(cache, PLAIN, with_body=False)
        yield CourrielApp(config, Account(config, cache, request=requests.append)), requests
        cache.close()


def fetches(requests: list[object]) -> list[object]:
    return [r for r in requests if isinstance(r, contract.FetchBody)]


# --- a message never downloaded -----------------------------------------------------------


async def test_demo_message_without_body_says_it_is_not_downloaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, PLAIN, with_body=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            assert screen.messages.selected_uid == UID
            await pilot.press("enter")
            await pilot.pause(0.3)
            text = reader_text(app)
            assert NOT_DOWNLOADED in text and LOADING not in text


async def test_offline_then_connection_back_fetches_and_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def offline() -> object:
        return carry(contract.Offline(datetime.now().astimezone(), "refusé", 30))

    with account_app(monkeypatch) as (app, requests):
        async with app.run_test(size=(80, 24)) as pilot:
            app.post_message(offline())
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            # What the worker answers offline: no bytes.
            app.post_message(carry(contract.BodyReady("INBOX", UID, None)))
            await pilot.pause()
            text = reader_text(app)
            assert NOT_DOWNLOADED in text and LOADING not in text

            # Back in the list: the connection returning fetches nothing for it.
            await pilot.press("escape")
            asked = len(fetches(requests))
            app.post_message(carry(contract.Connected(frozenset())))
            app.post_message(offline())
            await pilot.pause()
            assert len(fetches(requests)) == asked

            await pilot.press("enter")
            await pilot.pause()
            assert NOT_DOWNLOADED in reader_text(app)
            asked = len(fetches(requests))
            app.post_message(carry(contract.Connected(frozenset())))
            await pilot.pause()
            assert len(fetches(requests)) == asked + 1  # asked again, the user still on it
            assert LOADING in reader_text(app)
            app.account.cache.put_body("INBOX", UID, PLAIN)
            app.post_message(carry(contract.BodyReady("INBOX", UID, PLAIN)))
            await pilot.pause()
            assert "Le corps arrive du serveur." in reader_text(app)


async def test_failed_fetch_replaces_the_loading_text(monkeypatch: pytest.MonkeyPatch) -> None:
    with account_app(monkeypatch) as (app, _requests):
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            app.post_message(carry(contract.Connected(frozenset())))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert LOADING in reader_text(app)
            failure = contract.CommandFailed(
                contract.FetchBody("INBOX", UID), MailError("Réponse du serveur.")
            )
            app.post_message(carry(failure))
            await pilot.pause()
            text = reader_text(app)
            assert LOADING not in text
            assert "n'a pas pu être téléchargé" in text and "Réponse du serveur." in text


async def test_fetch_answered_without_bytes_while_online_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with account_app(monkeypatch) as (app, _requests):
        async with app.run_test(size=(80, 24)) as pilot:
            app.post_message(carry(contract.Connected(frozenset())))
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            app.post_message(carry(contract.BodyReady("INBOX", UID, None)))  # gone meanwhile
            await pilot.pause()
            text = reader_text(app)
            assert LOADING not in text and "n'a pas pu être téléchargé" in text


@pytest.mark.server
async def test_offline_against_the_real_server_then_back(
    fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(fresh_bed, tmp_path, monkeypatch, 3) as run:
        worker = run.app.session.worker if run.app.session else None
        assert worker is not None and worker._conn is not None
        fresh_bed.dovecot.stop()
        # The running imap process outlives Dovecot's master: cut the link from our side.
        assert worker._conn.client is not None
        worker._conn.client.socket().shutdown(socket.SHUT_RDWR)
        await run.pilot.press("enter")  # « Sujet 3 », never opened
        await run.wait(lambda: NOT_DOWNLOADED in reader_text(run.app), timeout=15)
        assert LOADING not in reader_text(run.app)

        fresh_bed.dovecot.start()
        await run.pilot.press("f5")  # or the next automatic attempt
        await run.wait(lambda: "Corps 3." in reader_text(run.app), timeout=20)


# --- invitations ---------------------------------------------------------------------------


async def test_invitation_summary_is_shown_in_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (corpus_helpers.CORPUS / "calendar-invitation.eml").read_bytes()
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, raw, with_body=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            text = reader_text(app)
            assert "Invitation : Conseil pédagogique, salle des profs" in text
            assert "Quand : mardi 24 novembre 2026, 13:00–15:00 (heure UTC)" in text
            assert "Où : Collège Jean Moulin, salle 12" in text
            assert "Organisateur : Claire Martin <claire.martin@ac-dijon.fr>" in text
            assert "invitation.ics" in text  # still listed as an attachment


async def test_hostile_invitation_is_shown_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = (
        "From: x@exemple.fr\r\nTo: marie.durand@ac-dijon.fr\r\nSubject: Invit\r\n"
        "Date: Mon, 23 Nov 2026 13:29:00 +0000\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n"
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
        f"SUMMARY:{HOSTILE}\x1b]0;titre\x07\r\n"
        "DTSTART:20261124T140000Z\r\n"
        "LOCATION:[b]salle[/b] \x9b31m\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, raw, with_body=True)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            text = reader_text(app)
            assert f"Invitation : {HOSTILE}" in text
            assert "Où : [b]salle[/b]" in text
            assert "\x1b" not in text and "\x9b" not in text
            await pilot.click(Reader)
            await pilot.pause()
            assert app.is_running
