"""« Vider la corbeille » (#19, the quota help): from the palette, after a question
naming the count with « Annuler » in focus; gone from the cache at once, then expunged
on the server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import raw_client
from tests.test_mailbox_server import mail, running
from tui import session
from tui.core.i18n import _
from tui.core.store import actions
from tui.screens.choice import Choice
from tui.screens.mailbox import MailboxScreen

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def _short_undo_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(session, "UNDO_SECONDS", 0.2)


def trash_with(count: int) -> Callable[[Bed, User], None]:
    """`count` messages in the Trash (the bed's « Corbeille », \\Trash) before the app
    starts."""

    def fill(bed: Bed, user: User) -> None:
        with raw_client(bed, user) as client:
            for n in range(count):
                client.append("Corbeille", mail(f"Vieux {n}", "à jeter", n))

    return fill


async def test_the_trash_is_emptied_on_the_server_after_the_question(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "OP_UIDS", 4)  # 9 messages: three batches
    async with running(bed, tmp_path, monkeypatch, 2, before=trash_with(9)) as run:
        await run.wait(lambda: run.app.account.cache.count("Corbeille") == 9)
        run.mailbox.action_empty_trash()
        await run.wait(lambda: isinstance(run.app.screen, Choice))
        question = run.app.screen
        assert isinstance(question, Choice)
        assert "Les 9 messages de « Corbeille » seront supprimés définitivement" in question.text
        await run.wait(lambda: question.focused is not None)
        assert question.focused is not None and question.focused.id == "cancel"  # safe default
        await run.pilot.press("right", "enter")  # « Vider la corbeille »
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        assert run.app.account.cache.count("Corbeille") == 0
        await run.wait(lambda: run.server("Corbeille") == {})
        assert len(run.server()) == 2  # the inbox untouched


async def test_annuler_keeps_everything(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 1, before=trash_with(2)) as run:
        await run.wait(lambda: run.app.account.cache.count("Corbeille") == 2)
        run.mailbox.action_empty_trash()
        await run.wait(lambda: isinstance(run.app.screen, Choice))
        await run.wait(lambda: run.app.screen.focused is not None)
        await run.pilot.press("enter")  # the focused button: « Annuler »
        await run.wait(lambda: isinstance(run.app.screen, MailboxScreen))
        assert run.app.account.cache.count("Corbeille") == 2
        assert len(run.server("Corbeille")) == 2


async def test_the_palette_offers_it_and_an_empty_trash_says_so(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(bed, tmp_path, monkeypatch, 1) as run:
        titles = [str(c.title) for c in run.app.get_system_commands(run.mailbox)]
        assert _("Vider la corbeille") in titles and _("Tout marquer comme lu") in titles
        run.mailbox.action_empty_trash()
        await run.pilot.pause()
        assert isinstance(run.app.screen, MailboxScreen)
        notices = [str(n.message) for n in run.app._notifications]
        assert any("« Corbeille » est déjà vide." in n for n in notices), notices
