"""The mailbox screen driven with the Pilot against the real Dovecot (issue #5).

Each test checks what the user sees (the rendered screen, the list's selection) and
what the server holds afterwards, read back with a separate IMAP client.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import raw_client, server_snapshot
from tests.test_app_server import make_app, message, reader_text, wait_until
from tui import session
from tui.app import CourrielApp
from tui.screens.certificate import CertificatePrompt
from tui.screens.folder_picker import FolderPicker
from tui.screens.mailbox import MailboxScreen
from tui.widgets.folder_list import FolderList
from tui.widgets.message_list import MessageList

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _short_undo_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flags, moves and archives wait for the undo window before reaching the server;
    a short one keeps these tests quick (the window itself is tested elsewhere)."""
    monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)


class Run:
    """One app on a fresh account, past the certificate prompt and the first sync."""

    def __init__(self, app: CourrielApp, pilot: Pilot[None], bed: Bed, user: User) -> None:
        self.app, self.pilot, self.bed, self.user = app, pilot, bed, user

    @property
    def mailbox(self) -> MailboxScreen:
        screen = self.app.screen
        assert isinstance(screen, MailboxScreen), screen
        return screen

    @property
    def messages(self) -> MessageList:
        return self.mailbox.messages

    def subject(self) -> str:
        row = self.messages.row(self.messages.cursor)
        assert row is not None
        return row.subject

    async def screen(self) -> list[str]:
        """The terminal's lines as the user reads them."""
        await self.pilot.pause()
        return [strip.text for strip in self.app.screen._compositor.render_strips()]

    async def line_with(self, subject: str) -> str | None:
        """The screen line showing this subject (whole word), if it is on screen."""
        pattern = re.compile(rf"{re.escape(subject)}(?!\w)")
        return next((line for line in await self.screen() if pattern.search(line)), None)

    async def wait(self, condition: Callable[[], object], timeout: float = 15.0) -> None:
        await wait_until(self.pilot, condition, timeout)

    def server(self, folder: str = "INBOX") -> dict[str, tuple[str, ...]]:
        """Subject → flags of what the server holds in `folder`."""
        snapshot = server_snapshot(self.bed, self.user, folder)
        return {subject: flags for _uid, subject, flags in snapshot}


@asynccontextmanager
async def running(
    bed: Bed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    *,
    size: tuple[int, int] = (80, 24),
    before: Callable[[Bed, User], None] | None = None,
    settings: dict[str, dict[str, object]] | None = None,
    inbox: int | None = None,
) -> AsyncIterator[Run]:
    """`count` messages delivered, `before` run on the server, then the app started;
    `inbox`: how many messages the inbox then holds, if not `count`."""
    app, username, password = make_app(bed, tmp_path, monkeypatch, count, settings)
    user = User(username, password, f"{username}@ac-dijon.fr")
    if before is not None:
        before(bed, user)  # server state set up before the app first connects
    try:
        async with app.run_test(size=size, notifications=True) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, CertificatePrompt))
            await pilot.press("t")  # accept always
            run = Run(app, pilot, bed, user)
            # The first full sync is done: every folder is listed and counted.
            await run.wait(lambda: run.mailbox.status.last_sync is not None)
            assert run.messages.total == (count if inbox is None else inbox)
            yield run
    finally:
        app.close_account()


def make_folder(name: str, *messages: bytes) -> Callable[[Bed, User], None]:
    def create(bed: Bed, user: User) -> None:
        with raw_client(bed, user) as client:
            client.create_folder(name)
            for raw in messages:
                client.append(name, raw)

    return create


def mail(subject: str, body: str, minute: int) -> bytes:
    return (
        f"From: Circonscription <circo@ac-dijon.fr>\r\nSubject: {subject}\r\n"
        f"Date: Mon, 23 Nov 2026 10:{minute:02d}:00 +0100\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


# --- navigate and open ------------------------------------------------------------------


async def test_navigate_with_keys_open_and_return(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 40) as run:
        messages, press = run.messages, run.pilot.press
        assert run.subject() == "Sujet 40"  # newest first
        assert await run.line_with("Sujet 40") is not None

        await press("j", "j")
        assert (messages.cursor, run.subject()) == (2, "Sujet 38")
        await press("k")
        assert run.subject() == "Sujet 39"
        await press("down", "down", "up")
        assert run.subject() == "Sujet 38"

        await press("G")
        assert (messages.cursor, run.subject()) == (39, "Sujet 1")
        assert await run.line_with("Sujet 1") is not None  # scrolled to the oldest
        assert await run.line_with("Sujet 40") is None
        await press("g")
        assert (messages.cursor, run.subject()) == (0, "Sujet 40")
        assert await run.line_with("Sujet 40") is not None

        # PgDn: a screenful further (the list's height less one row of context).
        height = messages.scrollable_content_region.height
        assert 10 < height < 24
        await press("pagedown")
        assert messages.cursor == height - 1
        subject = run.subject()
        assert await run.line_with(subject) is not None  # the list followed the cursor
        await press("pagedown", "pagedown")
        assert (messages.cursor, run.subject()) == (39, "Sujet 1")  # stops at the end
        await press("pageup")
        assert messages.cursor == 39 - (height - 1)

        # Enter opens the message over the whole screen; Esc comes back to the same row.
        subject, uid = run.subject(), messages.selected_uid
        assert uid is not None
        n = int(subject.split()[1])
        await press("enter")
        await run.wait(lambda: f"Corps {n}." in reader_text(run.mailbox))
        assert run.mailbox.reading
        lines = await run.screen()
        assert any(f"Corps {n}." in line for line in lines)
        assert not any("Sujet 40" in line for line in lines)  # the list is hidden
        await press("escape")
        assert not run.mailbox.reading
        assert messages.selected_uid == uid
        assert await run.line_with(subject) is not None
        # Opened means read, on the server too.
        await run.wait(lambda: "\\Seen" in run.server()[subject])
        assert "\\Seen" not in run.server()["Sujet 40"]


# --- flags -------------------------------------------------------------------------------


async def test_mark_unread_and_read_reaches_the_server(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        await run.pilot.press("j")  # « Sujet 2 »
        line = await run.line_with("Sujet 2")
        assert line is not None and line.startswith("N")  # unread marker
        assert "\\Seen" not in run.server()["Sujet 2"]

        await run.pilot.press("n")
        line = await run.line_with("Sujet 2")
        assert line is not None and not line.startswith("N")
        assert any("3 messages, 2 non lus" in line for line in await run.screen())
        await run.wait(lambda: "\\Seen" in run.server()["Sujet 2"])
        assert "\\Seen" not in run.server()["Sujet 3"]  # only the selected one

        await run.pilot.press("n")
        line = await run.line_with("Sujet 2")
        assert line is not None and line.startswith("N")
        await run.wait(lambda: "\\Seen" not in run.server()["Sujet 2"])
        assert run.subject() == "Sujet 2"  # the cursor did not move


async def test_flag_and_unflag_reaches_the_server(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        await run.pilot.press("G")  # « Sujet 1 »
        await run.pilot.press("exclamation_mark")
        line = await run.line_with("Sujet 1")
        assert line is not None and line[1] == "!"  # flagged marker
        await run.wait(lambda: "\\Flagged" in run.server()["Sujet 1"])
        assert "\\Flagged" not in run.server()["Sujet 2"]
        assert "\\Seen" not in run.server()["Sujet 1"]  # flagging is not reading

        await run.pilot.press("exclamation_mark")
        line = await run.line_with("Sujet 1")
        assert line is not None and line[1] == " "
        await run.wait(lambda: "\\Flagged" not in run.server()["Sujet 1"])


# --- move and archive ------------------------------------------------------------------


async def test_move_to_another_folder(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3, before=make_folder("Projets")) as run:
        await run.pilot.press("j")  # « Sujet 2 »
        await run.pilot.press("m")
        await run.wait(lambda: isinstance(run.app.screen, FolderPicker))
        lines = await run.screen()
        assert any("Déplacer vers (n : nouveau dossier) :" in line for line in lines)
        assert any("Projets" in line for line in lines)
        picker = run.app.screen.query_one(FolderList)
        await run.pilot.press("end")  # the special folders first, then the user's own
        assert picker.folder_at(picker.highlighted) == "Projets"
        await run.pilot.press("enter")
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))

        assert run.messages.total == 2
        assert await run.line_with("Sujet 2") is None
        assert run.subject() in {"Sujet 1", "Sujet 3"}  # a neighbour is selected
        assert any("Message déplacé dans « Projets »" in n.message for n in run.app._notifications)
        await run.wait(lambda: "Sujet 2" in run.server("Projets"))
        assert set(run.server()) == {"Sujet 1", "Sujet 3"}

        # And the user finds it there.
        await run.pilot.press("b", "end", "enter")
        assert run.mailbox.folder == "Projets"
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Sujet 2"
        assert await run.line_with("Sujet 2") is not None


async def test_archive_goes_to_the_servers_archive_folder(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        # The bed's Dovecot flags « Archives » \Archive (RFC 6154): that is the one used.
        assert run.app.account.cache.special_folder("archive") == "Archives"
        await run.pilot.press("A")  # « Sujet 3 »
        assert run.messages.total == 2
        assert await run.line_with("Sujet 3") is None
        assert any("Message archivé" in n.message for n in run.app._notifications)
        await run.wait(lambda: "Sujet 3" in run.server("Archives"))
        assert set(run.server()) == {"Sujet 1", "Sujet 2"}

        # Inbox, Brouillons, Envoyés, Archives.
        await run.pilot.press("b", "home", "down", "down", "down", "enter")
        assert run.mailbox.folder == "Archives"
        await run.wait(lambda: run.messages.total == 1)
        assert run.subject() == "Sujet 3"


# --- search ----------------------------------------------------------------------------


def seed_search(bed: Bed, user: User) -> None:
    """« inspection »: in a subject in INBOX (cache and server find it), only in the body
    of another INBOX message (the body is not cached: only the server finds it), and in
    a subject in another folder (the server is searched in INBOX: only the cache).
    Projets/1 and INBOX/1 share a uid."""
    make_folder("Projets", mail("Rapport inspection 2026", "Corps du rapport.", 3))(bed, user)
    for raw in (
        mail("Inspection académique", "Corps de l'annonce.", 0),
        mail("Réunion de rentrée", "Ordre du jour : visite d'inspection.", 1),
        mail("Cantine", "Menus de la semaine.", 2),
    ):
        bed.dovecot.deliver(user.username, raw)


async def search(run: Run, text: str, count: int) -> None:
    await run.pilot.press("slash")
    assert run.mailbox.has_class("-searching")
    await run.pilot.press(*text, "enter")
    await run.wait(lambda: run.messages.total == count)  # the server's answer merged in


async def test_search_lists_server_and_cache_results_opens_one_and_returns(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 0, before=seed_search, inbox=3) as run:
        await search(run, "inspection", 3)
        subjects = [run.messages.row(i).subject for i in range(3)]  # type: ignore[union-attr]
        assert subjects == [
            "Rapport inspection 2026",
            "Réunion de rentrée",
            "Inspection académique",
        ]
        lines = await run.screen()
        for subject in subjects:
            assert await run.line_with(subject) is not None
        assert await run.line_with("Cantine") is None
        assert any("3 résultats pour « inspection »" in line for line in lines)

        # Enter opens a result, even one from another folder whose body is not cached.
        await run.pilot.press("enter")
        await run.wait(lambda: "Corps du rapport." in reader_text(run.mailbox))
        await run.pilot.press("escape")  # back to the results, not the folder
        assert run.mailbox.has_class("-searching") and run.messages.total == 3
        await run.pilot.press("down", "enter")
        await run.wait(lambda: "visite d'inspection" in reader_text(run.mailbox))
        await run.pilot.press("escape", "escape")  # the results, then the folder

        assert not run.mailbox.has_class("-searching")
        assert run.messages.total == 3
        assert await run.line_with("Cantine") is not None
        assert await run.line_with("Rapport inspection 2026") is None
        assert any("Boîte de réception" in line for line in await run.screen())


async def test_acting_on_a_search_result_shows_and_keeps_the_right_row(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 0, before=seed_search, inbox=3) as run:
        await search(run, "inspection", 3)
        await run.pilot.press("G")  # INBOX/1, listed after Projets/1 which has the same uid
        assert run.subject() == "Inspection académique"

        await run.pilot.press("exclamation_mark")
        assert run.subject() == "Inspection académique"  # the cursor stayed on it
        line = await run.line_with("Inspection académique")
        assert line is not None and line[1] == "!"  # and the list shows the flag
        await run.wait(lambda: "\\Flagged" in run.server()["Inspection académique"])
        assert "\\Flagged" not in run.server("Projets")["Rapport inspection 2026"]

        monkeypatch.setattr(session, "UNDO_SECONDS", 60)  # no race between d and u
        await run.pilot.press("d")  # gone from the results, as it is from the folder
        assert run.messages.total == 2
        assert await run.line_with("Inspection académique") is None
        await run.pilot.press("u")  # and back
        assert run.messages.total == 3
        assert run.subject() == "Inspection académique"
        assert await run.line_with("Inspection académique") is not None

        monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)
        await run.pilot.press("d")
        assert run.messages.total == 2
        await run.wait(lambda: "Inspection académique" in run.server("Corbeille"))
        assert set(run.server("Projets")) == {"Rapport inspection 2026"}

        # The status bar still describes the results, after actions and after a sync.
        status = (await run.screen())[-2]
        assert "2 résultats pour « inspection »" in status
        run.mailbox.status.last_sync = None
        await run.pilot.press("f5")
        await run.wait(lambda: run.mailbox.status.last_sync is not None)
        assert "2 résultats pour « inspection »" in (await run.screen())[-2]


# --- sync and new mail ---------------------------------------------------------------


async def test_sync_now_picks_up_new_mail(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 2) as run:
        assert not run.app.config.sync["idle"]  # only the keys below can bring it in
        bed.dovecot.deliver(run.user.username, message(3))
        await run.pilot.press("ctrl+r")
        await run.wait(lambda: run.messages.total == 3)
        assert await run.line_with("Sujet 3") is not None

        bed.dovecot.deliver(run.user.username, message(4))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 4)
        assert await run.line_with("Sujet 4") is not None
        lines = await run.screen()
        assert any("4 messages, 4 non lus" in line for line in lines), lines[-3:]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_new_mail_keeps_the_selected_message(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    async with running(bed, tmp_path, monkeypatch, 30, size=size) as run:
        await run.pilot.press("j", "j", "j", "pagedown")
        selected, subject = run.messages.selected_uid, run.subject()
        assert selected is not None and subject != "Sujet 30"
        for n in (31, 32, 33):
            bed.dovecot.deliver(run.user.username, message(n))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 33)
        assert run.messages.selected_uid == selected
        assert run.subject() == subject
        assert await run.line_with(subject) is not None  # still in view


async def test_new_mail_pushed_by_idle_keeps_the_selected_message(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = {"sync": {"idle": True}}
    async with running(bed, tmp_path, monkeypatch, 5, settings=settings) as run:
        idle = lambda: run.app.session.idle if run.app.session else None  # noqa: E731
        await run.wait(lambda: (watcher := idle()) is not None and watcher.idling.is_set())
        await run.pilot.press("G")
        selected = run.messages.selected_uid
        bed.dovecot.deliver(run.user.username, message(6))  # no key pressed: IDLE tells
        await run.wait(lambda: run.messages.total == 6)
        assert run.messages.selected_uid == selected
        assert run.subject() == "Sujet 1"
        assert await run.line_with("Sujet 6") is not None


# --- a full disk ---------------------------------------------------------------------


async def test_with_the_disk_full_a_message_still_leaves_once(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #24: the outbox cannot be written; « Envoyer directement » sends it over
    SMTP at once, and the compose screen closes only once it has left."""
    from textual.widgets import Input, TextArea

    from tests.test_compose_screen import fill_the_store
    from tui.screens.choice import Choice
    from tui.screens.compose import ComposeScreen

    recipient = bed.new_user()
    async with running(bed, tmp_path, monkeypatch, 1) as run:
        await run.pilot.press("c")
        await wait_until(run.pilot, lambda: isinstance(run.app.screen, ComposeScreen))
        compose = run.app.screen
        compose.query_one("#to", Input).value = recipient.email
        compose.query_one("#subject", Input).value = "Disque plein"
        compose.query_one("#body", TextArea).text = "Parti sans boîte d'envoi. " * 8000
        fill_the_store(run.app.account.cache)
        await run.pilot.press("ctrl+s")
        await wait_until(run.pilot, lambda: isinstance(run.app.screen, Choice))
        await run.pilot.press("enter")  # Envoyer directement
        await wait_until(run.pilot, lambda: isinstance(run.app.screen, CertificatePrompt))
        await run.pilot.press("t")  # the sending server's certificate, first time
        await wait_until(run.pilot, lambda: isinstance(run.app.screen, MailboxScreen), 20)
        received = server_snapshot(bed, recipient)
        assert [subject for _uid, subject, _flags in received] == ["Disque plein"]
        assert run.app.outbox_count() == 0
