"""« Tout marquer comme lu » (N, #19): every unread message of the folder on screen,
after a question that gives the count; local at once, then on the server in batches."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tests.conftest import Bed
from tests.test_mailbox_server import mail, make_folder, running
from tui import session
from tui.core.store import actions
from tui.screens.choice import Choice
from tui.screens.mailbox import MailboxScreen

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _short_undo_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)


async def test_every_unread_message_of_the_folder_is_read_on_the_server(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "OP_UIDS", 5)  # 12 messages: three batches
    other = make_folder("Projets", mail("Dossier Erasmus", "à lire", 1))
    async with running(bed, tmp_path, monkeypatch, 12, before=other) as run:
        await run.pilot.press("N")
        await run.wait(lambda: isinstance(run.app.screen, Choice))
        question = run.app.screen
        assert isinstance(question, Choice)
        assert question.text == (
            "Les 12 messages non lus de « Boîte de réception » seront marqués comme lus."
        )
        await run.pilot.press("enter")  # « Marquer comme lus », the first button
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        assert run.mailbox.status.folder == "Boîte de réception : 12 messages, 0 non lu"
        assert all(not line.startswith("N") for line in await run.screen() if "Sujet" in line)
        await run.wait(lambda: all("\\Seen" in flags for flags in run.server().values()))
        assert len(run.server()) == 12
        assert "\\Seen" not in run.server("Projets")["Dossier Erasmus"]  # only this folder


async def test_cancelling_changes_nothing(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 3) as run:
        await run.pilot.press("N")
        await run.wait(lambda: isinstance(run.app.screen, Choice))
        await run.pilot.press("escape")
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        assert any("3 messages, 3 non lus" in line for line in await run.screen())
        assert all("\\Seen" not in flags for flags in run.server().values())


async def test_a_folder_without_unread_mail_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            await pilot.press("N")
            await pilot.pause()
            assert isinstance(app.screen, Choice)
            await pilot.press("enter")
            await pilot.pause()
            assert app.account.cache.unread("INBOX") == 0
            await pilot.press("N")  # again: nothing left to mark
            await pilot.pause()
            assert isinstance(app.screen, MailboxScreen)
            notices = [str(n.message) for n in app._notifications]
            assert any("Aucun message non lu dans « Boîte de réception »" in n for n in notices)
