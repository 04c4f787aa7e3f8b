"""A reply written in one account's mailbox and sent from another (« De », #20): the
original is marked \\Answered in its own account. The Sent filing marks originals in the
sending account's store only, where this one is not (review of round 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from tests.test_reader_gaps import PLAIN, UID, add_message
from tests.test_review_accounts import live_app, wait_until
from tui.screens.compose import ComposeScreen
from tui.screens.compose_from import FromSelector


async def test_a_reply_sent_from_the_other_account_marks_the_original_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with live_app(tmp_path, monkeypatch) as (app, _path):
        first = app.slots[0].account.cache
        add_message(first, PLAIN, with_body=True)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            app.screen.query_one("MessageList").focus()
            await pilot.press("home")
            await pilot.press("r")
            await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen))
            compose = app.screen
            assert compose.query_one("#to", Input).value
            compose.query_one(FromSelector).value = 1
            await pilot.pause()
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: not isinstance(app.screen, ComposeScreen))
            summary = first.summary("INBOX", UID)
            assert summary is not None and "\\Answered" in summary.flags
            assert any(op.kind == "flags" for op in first.pending_ops())
