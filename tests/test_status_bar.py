"""The status bar keeps what is urgent when the terminal is narrow."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App, ComposeResult

from tui.widgets.status_bar import StatusBar


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


async def test_the_next_sync_shows_at_80_columns() -> None:
    """Issue #17: the promised sync interval was invisible below 200 columns."""
    app = BarApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.folder = "Boîte de réception : 50 messages, 50 non lus"
        bar.state = "connecté"
        bar.last_sync = datetime(2026, 11, 23, 10, 42)
        bar.next_sync = datetime(2026, 11, 23, 10, 57)
        bar.quota = (27, 100 * 1024)
        await pilot.pause()
        line = bar.render().plain
        assert "prochaine synchro 10:57" in line
        assert line.startswith("Boîte de réception : 50 messages, 50 non lus")
        assert len(line) <= bar.content_size.width
        bar.state = "hors ligne depuis 10:50"  # not the normal state: it stays in view
        await pilot.pause()
        assert "hors ligne depuis 10:50" in bar.render().plain


@pytest.mark.parametrize("width", [80, 200])
async def test_new_mail_outbox_and_full_quota_survive_80_columns(width: int) -> None:
    app = BarApp()
    async with app.run_test(size=(width, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.folder = "Boîte de réception : 50 000 messages, 1 204 non lus"
        bar.state = "synchronisation 12 000 sur 50 000"
        bar.last_sync = datetime(2026, 11, 23, 10, 42)
        bar.next_sync = datetime(2026, 11, 23, 10, 57)
        bar.new_mail = 3
        bar.outbox = 1
        bar.quota = (95 * 1024, 100 * 1024)
        await pilot.pause()
        line = bar.render().plain
        assert len(line) <= bar.content_size.width
        for urgent in ("3 nouveaux", "boîte d'envoi : 1", "quota"):
            assert urgent in line
        assert ("synchro 10:42" in line) is (width == 200)  # the first to go
        bar.quota = None
        await pilot.pause()
        line = bar.render().plain
        assert "synchronisation 12 000" in line  # the state outlives the folder line
        assert ("non lus" in line) is (width == 200)


def test_the_connection_state_says_what_is_happening_now() -> None:
    """Issue #24: « connecté » only while commands complete; otherwise what is going on."""
    from tui.widgets.status_bar import SLOW_AFTER, link_text

    assert link_text("connecté") == "connecté"
    assert link_text("connecté", busy_for=SLOW_AFTER - 1) == "connecté"
    silent = link_text("connecté", busy_for=12.4, silent_for=12.4)
    assert silent == "le serveur ne répond pas depuis 12 s"
    # Bytes still arriving (a trickle, a big body on a slow link) is slow, not silent.
    slow = link_text("connecté", busy_for=12.4, silent_for=0.6)
    assert slow == "le serveur répond lentement (12 s)"
    offline = link_text("hors ligne depuis 10:42", retry_in=29.6)
    assert offline == "hors ligne depuis 10:42 · reconnexion dans 30 s"
    assert link_text("hors ligne", retry_in=0.2) == "hors ligne · reconnexion…"
    bad = link_text(
        "hors ligne depuis 10:42",
        retry_in=4,
        fault="Le serveur a envoyé une réponse illisible.",
    )
    assert bad == (
        "le serveur répond mal : Le serveur a envoyé une réponse illisible. · reconnexion dans 4 s"
    )
