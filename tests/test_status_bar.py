"""The status bar keeps what is urgent when the terminal is narrow."""

from __future__ import annotations

from datetime import datetime

import pytest
from textual.app import App, ComposeResult

from tui.widgets.status_bar import StatusBar


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


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
        assert ("prochaine 10:57" in line) is (width == 200)  # the first to go
        bar.quota = None
        await pilot.pause()
        line = bar.render().plain
        assert "synchronisation 12 000" in line  # the state outlives the folder line
        assert ("non lus" in line) is (width == 200)
