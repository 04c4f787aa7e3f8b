"""A draft written in one session is announced and resumable in the next (after a quit or
a crash: drafts are saved to the cache as the user types)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tui.account import Account
from tui.app import CourrielApp
from tui.config import Config, defaults
from tui.core.store.cache import Cache
from tui.core.store.records import FolderRow
from tui.screens.compose import ComposeScreen
from tui.screens.drafts import DraftsScreen


def make_app(path: Path) -> CourrielApp:
    cache = Cache.open(path)
    cache.set_folders([FolderRow("INBOX", "/", "inbox", 0, 0, ())])
    config = Config(path=path.parent / "config.toml", values=defaults())
    config.account.update(username="marie.durand", email="marie.durand@ac-dijon.fr")
    return CourrielApp(config, Account(config, cache, demo=True))


async def test_draft_survives_the_session_and_is_resumed(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    first = make_app(path)
    async with first.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(first.screen, ComposeScreen)
        first.screen.query_one("#subject", Input).value = "Compte rendu du conseil"
        await pilot.press("ctrl+d")  # save the draft
        await pilot.pause()
    first.account.cache.close()

    second = make_app(path)
    async with second.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert any("brouillon" in n.message for n in second._notifications)
        await pilot.press("D")
        await pilot.pause()
        assert isinstance(second.screen, DraftsScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(second.screen, ComposeScreen)
        assert second.screen.query_one("#subject", Input).value == "Compte rendu du conseil"
    second.account.cache.close()
