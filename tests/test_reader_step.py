"""Reading a folder message after message (J and K, #21) and the reader's own wrapping:
what the review of the Line-API reader found."""

from __future__ import annotations

import pytest

from tests.app_helpers import burst, demo_app
from tui.widgets.message_list import MessageList
from tui.widgets.reader import Reader, ReaderView


def uid_at(app, index: int) -> int:  # type: ignore[no-untyped-def]
    row = app.screen.query_one(MessageList).row(index)
    assert row is not None
    return int(row.uid)


def count_wraps(monkeypatch: pytest.MonkeyPatch, reader: Reader) -> list[int]:
    """The widths the reader wraps for from now on, one entry per wrap."""
    wraps: list[int] = []
    original = reader._wrapped

    def counted(width: int):  # type: ignore[no-untyped-def]
        wraps.append(width)
        return original(width)

    monkeypatch.setattr(reader, "_wrapped", counted)
    return wraps


async def test_j_after_a_delete_opens_the_message_that_followed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`d` in the reader leaves the list's cursor on the message after the deleted one;
    J moved from there and skipped it."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            following = uid_at(app, 1)
            await pilot.press("enter", "d")
            await pilot.pause()
            await pilot.press("J")
            await pilot.pause()
            assert app.screen.opened[1] == following
            assert app.screen.reading


async def test_k_after_a_delete_opens_the_message_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            before = uid_at(app, 1)
            await pilot.press("down", "down", "enter", "d")
            await pilot.pause()
            await pilot.press("K")
            await pilot.pause()
            assert app.screen.opened[1] == before


async def test_a_burst_of_j_in_the_wide_layout_ends_on_the_last_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The list's Highlighted messages arrive after J already opened a later message:
    a stale one previewed a message the reader had passed (review)."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            opened: list[tuple[str, int]] = []
            screen = app.screen
            original = screen.open_message

            def spy(folder: str, uid: int, *, focus: bool) -> None:
                opened.append((folder, uid))
                original(folder, uid, focus=focus)

            monkeypatch.setattr(screen, "open_message", spy)
            burst(app, *"JJJJ")
            await pilot.pause(0.6)  # past the preview's debounce
            assert screen.opened[1] == uid_at(app, 4)
            assert [uid for _folder, uid in opened] == [uid_at(app, n) for n in range(1, 5)]


async def test_a_change_of_focus_does_not_wrap_the_message_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 1 MB body took seconds to wrap; the focus moving in and out of the reader
    (which changes nothing the lines are drawn with) wrapped it every time."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            reader = app.screen.query_one(Reader)
            reader.show_view(ReaderView(headers=[("De", "a")], body="mot " * 5_000))
            await pilot.pause()
            wraps = count_wraps(monkeypatch, reader)
            for _ in range(3):
                app.screen.set_focus(reader)
                await pilot.pause()
                app.screen.set_focus(app.screen.query_one(MessageList))
                await pilot.pause()
            assert wraps == []


async def test_a_long_message_is_wrapped_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body taller than the pane is wrapped beside its scrollbar straight away, not
    first across the whole width and then again."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            reader = app.screen.query_one(Reader)
            wraps = count_wraps(monkeypatch, reader)
            reader.show_view(ReaderView(headers=[], body="ligne\n" * 500))
            await pilot.pause()
            assert len(wraps) == 1


@pytest.mark.parametrize("width", [1, 2, 3, 4, 5, 6])
async def test_a_very_narrow_reader_still_shows_the_text(
    monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            reader = app.screen.query_one(Reader)
            reader.show_view(ReaderView(headers=[], body="abcdef"))
            lines = reader._wrapped(width)
            shown = "".join(text.plain for text, _kind in lines).replace(" ", "")
            assert shown == "abcdef"


async def test_j_after_deleting_the_last_message_rings_the_bell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing follows the last message: J must not open the one before it (review)."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            previous = uid_at(app, app.screen.query_one(MessageList).total - 2)
            await pilot.press("end", "enter", "d")
            await pilot.pause()
            bells: list[int] = []
            monkeypatch.setattr(app, "bell", lambda: bells.append(1))
            await pilot.press("J")
            await pilot.pause()
            assert bells and app.screen.opened[1] != previous


async def test_j_from_the_list_opens_the_message_after_the_cursor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Read a message, back to the list, move down: J opens the next after the cursor,
    as K opens the one before it."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("escape", "down", "down", "down")
            await pilot.pause()
            await pilot.press("J")
            await pilot.pause()
            assert app.screen.opened[1] == uid_at(app, 4)


async def test_the_rule_and_warnings_follow_a_theme_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Textual restyles the reader before its component classes: colours read then were
    the old theme's, and stayed until the next focus change (review)."""

    async def rule_colour(switch: bool) -> set[object]:
        with demo_app(monkeypatch) as app:
            async with app.run_test(size=(80, 24)) as pilot:
                if not switch:
                    app.theme = "textual-light"
                await pilot.pause()
                await pilot.press("enter")
                await pilot.pause()
                if switch:
                    app.theme = "textual-light"
                    await pilot.pause()
                reader = app.screen.query_one(Reader)
                rule = next(i for i, (_t, kind) in enumerate(reader._lines) if kind)
                return {s.style.color for s in reader._strip(rule) if s.style and s.text.strip()}

    assert await rule_colour(True) == await rule_colour(False)
