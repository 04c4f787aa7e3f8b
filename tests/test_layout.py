"""The mailbox at the sizes people use (issue #17): a reader wide enough for a
72-column line whenever the terminal allows it, and a preview that follows the cursor."""

from __future__ import annotations

import pytest

from tests.app_helpers import demo_app
from tui.widgets.folder_list import FolderList
from tui.widgets.message_list import MessageList
from tui.widgets.reader import Reader

LAYOUTS = [(100, 30), (120, 24), (120, 40), (160, 48), (200, 60)]


@pytest.mark.parametrize("size", LAYOUTS)
def test_reading_layout(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, press=["down", "enter"])


@pytest.mark.parametrize(
    ("size", "folders_shown"),
    [((120, 24), False), ((120, 40), False), ((160, 48), True), ((200, 60), True)],
)
async def test_the_reader_gets_a_whole_line_of_mail(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int], folders_shown: bool
) -> None:
    """At 120x40 the reader was 38 columns wide and every 72-column line rewrapped: now
    the list sits above it (120x40) or beside it (120x24, 160 columns and more)."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            assert app.screen.query_one(Reader).size.width >= 74
            assert app.screen.query_one(MessageList).size.width >= 40
            assert app.screen.query_one(FolderList).display is folders_shown


async def test_enter_in_three_panes_hands_the_keys_to_the_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("enter")
            assert isinstance(app.focused, Reader)
            assert app.screen.query_one(MessageList).display  # the list stays in view
            await pilot.press("escape")
            assert isinstance(app.focused, MessageList)


async def test_widening_shows_the_message_under_the_cursor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After widening, the preview showed message 1 while the cursor was on message 3."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            messages = app.screen.query_one(MessageList)
            await pilot.press("enter", "escape", "down", "down")
            await pilot.resize_terminal(120, 40)
            await pilot.pause(0.3)
            row = messages.row(messages.cursor)
            assert row is not None and app.screen.opened == (row.folder, row.uid)  # type: ignore[attr-defined]


async def test_opening_a_message_with_the_folder_pane_open_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Review of #17: at 120x40 with `b`, Enter opened the message into the reader the
    folder pane had replaced: focus on a 0x0 pane, nothing to see."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("b")
            app.screen.set_focus(app.screen.query_one(MessageList))
            await pilot.press("enter")
            await pilot.pause()
            reader = app.screen.query_one(Reader)
            assert app.focused is reader and reader.size.width >= 74 and reader.size.height > 5


@pytest.mark.parametrize(
    "keys", [("enter", "b", "b"), ("enter", "b", "escape"), ("enter", "/", "x", "enter")]
)
async def test_the_focus_never_stays_on_a_hidden_pane_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...]
) -> None:
    """Second review of #17: reading at 80x24, closing the folder pane or searching left
    the focus on the hidden list (j, k and Enter acted on what nobody saw)."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(*keys)
            await pilot.pause()
            focused = app.focused
            assert focused is not None and focused.region.width > 0 and focused.region.height > 0
