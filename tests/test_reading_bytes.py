"""What reading a message writes to the terminal (#21): over SSH from a school every
byte crosses the link. Budgets in bytes, never in time, with a margin over what the
code writes today (bench/README.md gives the figures and where they went)."""

from __future__ import annotations

import pytest

from tests.app_helpers import Frames, demo_app
from tui.widgets.message_list import MessageList
from tui.widgets.reader import Reader

# A full 80x24 screen of text costs ~3 KB; each budget leaves room for about one
# screen's worth, not two (the code before #21 wrote 6.8 KB to open, 4.9 KB to go back).
ONE_SCREEN = 4_400


async def keys_and_frames(app, pilot, *keys: str) -> list[list[int]]:  # type: ignore[no-untyped-def]
    """The frames written for each key (their sizes in bytes), pressed one at a time
    once the app is idle."""
    written = []
    for key in keys:
        with Frames(app) as frames:
            await pilot.press(key)
            await pilot.pause(0.2)
        written.append(frames.sizes)
    return written


async def test_reading_a_message_and_going_back_fit_one_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            enter, next_, back = await keys_and_frames(app, pilot, "enter", "J", "escape")
            assert app.screen.query_one(MessageList).cursor == 1  # J opened the next one
    assert sum(enter) <= ONE_SCREEN, "opening a message drew the screen more than once"
    assert sum(next_) <= ONE_SCREEN, "the next message drew the screen more than once"
    # Back: one screen too. The list hidden behind the reader kept its width, so shown
    # again it is not laid out and painted a second time (8.3 KB before, #21).
    assert sum(back) <= ONE_SCREEN, "going back drew the list twice"
    # One frame each: the footer's new keys (« Échap Retour ») and the list's scrollbar
    # are drawn with the pane, not resent after it (each cost a frame of its own).
    assert [len(frames) for frames in (enter, next_, back)] == [1, 1, 1]


async def test_a_hidden_list_keeps_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cause of Échap's second frame (#21): re-read while hidden behind the reader
    (the message opened is marked read), the list took a width of 0; shown again, its
    width changed back and it was laid out and painted once more."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            messages = app.screen.query_one(MessageList)
            width = messages.virtual_size.width
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert not messages.display
            messages.reload()  # what a sync or a mark-as-read does while it is hidden
            assert messages.virtual_size.width == width > 0


async def test_moving_the_focus_does_not_repaint_the_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual repaints the whole screen when the focus moves; the panes that take or
    lose it restyle themselves, nothing else on screen depends on it."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            screen = app.screen
            screen.set_focus(screen.query_one(Reader))
            assert not screen._repaint_required


async def test_a_layout_pass_leaves_the_list_scrollbar_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A footer key appearing or a pane shown lays the screen out again; the list's
    size did not change, so its scrollbar (~850 B at 80x24) is not resent."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            scrollbar = app.screen.query_one(MessageList).vertical_scrollbar
            refreshed: list[object] = []
            original = scrollbar.refresh

            def spy(*args: object, **kwargs: object) -> object:
                refreshed.append(args)
                return original(*args, **kwargs)  # type: ignore[arg-type]

            scrollbar.refresh = spy  # type: ignore[method-assign]
            app.screen.refresh(layout=True)
            await pilot.pause()
            assert refreshed == []


async def test_the_list_scrollbar_follows_the_number_of_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scrollbar of a long folder goes when search results fit the pane, and the
    rows take its columns back."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 10)) as pilot:
            await pilot.pause()
            messages = app.screen.query_one(MessageList)
            assert messages.show_vertical_scrollbar  # the demo inbox is taller than 6 rows
            await pilot.press("/", *"réunion", "enter")
            await pilot.pause()
            assert messages.total == 3
            assert not messages.show_vertical_scrollbar
            assert messages.scrollable_content_region.width == messages.size.width


async def test_opening_a_message_restyles_the_panes_not_the_whole_screen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A class on the screen restyles every widget on it (~15 ms of each Entrée and
    Échap at 80x24); the reader and the list carry the class themselves."""
    from textual.css.stylesheet import Stylesheet

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            restyled: list[str] = []
            original = Stylesheet.apply

            def spy(self: Stylesheet, node: object, *args: object, **kwargs: object) -> None:
                restyled.append(type(node).__name__)
                original(self, node, *args, **kwargs)  # type: ignore[arg-type]

            monkeypatch.setattr(Stylesheet, "apply", spy)
            for key in ("enter", "escape"):
                await pilot.press(key)
                await pilot.pause()
    assert restyled  # the two panes and the footer's new keys
    assert not {"StatusBar", "Input", "FolderList"} & set(restyled)
