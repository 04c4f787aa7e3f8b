"""Answering an invitation from the reader (#20): `i`, then Accepter / Peut-être /
Refuser; the REPLY goes into the durable outbox, and on the test bed it reaches the
organiser's mailbox once."""

from __future__ import annotations

import time
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tests.conftest import Bed
from tests.mail_helpers import raw_client
from tests.test_mailbox_server import running, wait_until
from tests.test_reader_gaps import PLAIN, UID, add_message, reader_text
from tui.app import CourrielApp
from tui.core.store import outbox
from tui.screens.certificate import CertificatePrompt
from tui.screens.help import key_table
from tui.screens.invitation_answer import InvitationAnswer
from tui.screens.mailbox import MailboxScreen

HINT = "Répondre : touche i (Accepter, Peut-être, Refuser)."


def invitation(organizer: str, attendee: str, *, method: str = "REQUEST") -> bytes:
    """An invitation as Thunderbird sends it: a text part and the text/calendar part."""
    ics = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Mozilla.org/NONSGML Mozilla Calendar V1.1//EN\r\n"
        f"VERSION:2.0\r\nMETHOD:{method}\r\nBEGIN:VEVENT\r\n"
        "UID:conseil-2026-12-10@ac-dijon.fr\r\nSEQUENCE:0\r\nDTSTAMP:20261120T091500Z\r\n"
        "SUMMARY:Conseil de classe (3e B)\r\n"
        "DTSTART;TZID=Europe/Paris:20261210T170000\r\n"
        "DTEND;TZID=Europe/Paris:20261210T183000\r\n"
        "LOCATION:Salle 104\r\n"
        f"ORGANIZER;CN=Claire Martin:mailto:{organizer}\r\n"
        f"ATTENDEE;RSVP=TRUE;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    return (
        f"From: Claire Martin <{organizer}>\r\nTo: {attendee}\r\n"
        "Subject: Invitation : Conseil de classe (3e B)\r\n"
        "Date: Fri, 20 Nov 2026 09:15:00 +0000\r\nMessage-ID: <conseil-3b@ac-dijon.fr>\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVous êtes invitée.\r\n"
        f"--b\r\nContent-Type: text/calendar; charset=utf-8; method={method}\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + ics + "--b--\r\n"
    ).encode()


ORGANIZER = "claire.martin@ac-dijon.fr"
DEMO_USER = "marie.durand@ac-dijon.fr"


def calendar_of(raw: bytes) -> tuple[Message, str]:
    message = message_from_bytes(raw, policy=default_policy)
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return message, payload.decode().replace("\r\n ", "")  # unfolded


def notices(app: CourrielApp) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


# --- in the reader (the demo account, no server) ---------------------------------------


async def test_accepting_from_the_reader_queues_one_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        monkeypatch.setenv("TZ", "Europe/Paris")
        time.tzset()
        add_message(app.account.cache, invitation(ORGANIZER, DEMO_USER), with_body=True)
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            text = reader_text(app)
            assert "Invitation : Conseil de classe (3e B)" in text
            assert "Quand : jeudi 10 décembre 2026, 17:00–18:30 (heure de Paris)" in text
            assert HINT in text
            assert ("i", "Répondre à l'invitation") in key_table(app.screen)  # listed by ?
            await pilot.press("i")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, InvitationAnswer)
            assert "La réponse part à claire.martin@ac-dijon.fr." in dialog.text
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, MailboxScreen)
            (row,) = outbox.pending(app.account.cache)
            assert "Réponse « J'accepte » mise dans la boîte d'envoi. " in notices(app)[-1]

    message, ics = calendar_of(row.raw)
    assert message["To"] == ORGANIZER
    assert message["In-Reply-To"] == "<conseil-3b@ac-dijon.fr>"
    assert "METHOD:REPLY\r\n" in ics
    assert "UID:conseil-2026-12-10@ac-dijon.fr\r\n" in ics
    assert "ATTENDEE;PARTSTAT=ACCEPTED;CN=" in ics and f"mailto:{DEMO_USER}" in ics


async def test_the_dialog_can_be_left_and_buttons_used(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, invitation(ORGANIZER, DEMO_USER), with_body=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("enter", "i")
            await pilot.pause()
            assert isinstance(app.screen, InvitationAnswer)
            await pilot.press("escape")
            await pilot.pause()
            assert outbox.pending(app.account.cache) == []
            await pilot.press("i")
            await pilot.pause()
            await pilot.click("#tentative")  # « Peut-être », with the mouse
            await pilot.pause()
            (row,) = outbox.pending(app.account.cache)
    assert "PARTSTAT=TENTATIVE" in calendar_of(row.raw)[1]


async def test_what_cannot_be_answered_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        raw = invitation(ORGANIZER, DEMO_USER, method="CANCEL")
        add_message(app.account.cache, raw, with_body=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            text = reader_text(app)
            assert "Réunion annulée : Conseil de classe (3e B)" in text
            assert HINT not in text
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, MailboxScreen)
            assert notices(app)[-1] == "Cette réunion est annulée : il n'y a rien à répondre."
            assert outbox.pending(app.account.cache) == []


async def test_an_invitation_to_someone_else_or_a_plain_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        add_message(app.account.cache, invitation(ORGANIZER, "autre@ac-dijon.fr"), with_body=True)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            assert HINT not in reader_text(app)
            await pilot.press("i")
            await pilot.pause()
            assert notices(app)[-1].startswith(
                "Votre adresse (marie.durand@ac-dijon.fr) n'est pas parmi les invités"
            )
            app.account.cache.put_body("INBOX", UID, PLAIN)
            app.account.reopen_cache()  # the parsed message is let go
            await pilot.press("i")
            await pilot.pause()
            assert notices(app)[-1] == "Ce message n'est pas une invitation."
            assert outbox.pending(app.account.cache) == []


# --- on the test bed -------------------------------------------------------------------


@pytest.mark.server
async def test_an_accepted_invitation_reaches_the_organizer_once(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    organizer = bed.new_user("orga")

    def deliver(bed: Bed, user: object) -> None:
        bed.dovecot.deliver(user.username, invitation(organizer.email, user.email))  # type: ignore[attr-defined]

    async with running(bed, tmp_path, monkeypatch, 0, before=deliver, inbox=1) as run:
        await run.pilot.press("enter")
        await run.wait(lambda: HINT in reader_text(run.app))
        await run.pilot.press("i")
        await wait_until(run.pilot, lambda: isinstance(run.app.screen, InvitationAnswer))
        await run.pilot.press("a")
        await wait_until(run.pilot, lambda: isinstance(run.app.screen, CertificatePrompt), 20)
        await run.pilot.press("t")  # the sending server's certificate, first time
        await run.wait(lambda: run.app.outbox_count() == 0, 20)
        # Filed in Sent, and the invitation marked answered on the server.
        subject = "Invitation : Conseil de classe (3e B)"
        await run.wait(lambda: "\\Answered" in run.server()[subject])
        await run.wait(lambda: outbox.unfiled(run.app.account.cache) == [])
        run.app.send_outbox()  # another pass (F5, the next sync) sends nothing again
        await run.pilot.pause(0.5)
        user = run.user

    with raw_client(bed, organizer) as client:
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        assert len(uids) == 1  # arrived, and only once
        raw = client.fetch(uids, ["RFC822"])[uids[0]][b"RFC822"]
    message, ics = calendar_of(raw)
    assert message["Subject"] == "Accepté : Conseil de classe (3e B)"
    assert "METHOD:REPLY\r\n" in ics
    assert f"ORGANIZER:mailto:{organizer.email}\r\n" in ics
    assert "ATTENDEE;PARTSTAT=ACCEPTED" in ics and f"mailto:{user.email}" in ics
    with raw_client(bed, user) as client:
        client.select_folder("Envoyés", readonly=True)
        assert len(client.search("ALL")) == 1
