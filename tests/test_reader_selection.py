"""Selecting text in the reader with the mouse, and ctrl+c to copy it (#21).

The reader draws its own lines (Line API); Textual's selection needs each drawn line
to say which character is where, and the widget to give back the text selected. Over
SSH the copy goes to the terminal's clipboard (OSC 52).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot

from tests.app_helpers import demo_app
from tui.widgets.reader import Reader, ReaderView

BODY = "Bonjour,\nla réunion est jeudi à 17 h en salle B12.\nCordialement."


class ReaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Reader(id="reader")


def row_of(reader: Reader, needle: str) -> int:
    return next(
        y
        for y in range(reader.size.height)
        if needle in "".join(s.text for s in reader.render_line(y))
    )


async def drag(pilot: Pilot[None], start: tuple[int, int], end: tuple[int, int]) -> None:
    await pilot.mouse_down(Reader, offset=start)
    await pilot.hover(Reader, offset=end)
    await pilot.mouse_up(Reader, offset=end)
    await pilot.pause()


@asynccontextmanager
async def showing(view: ReaderView) -> AsyncIterator[tuple[Pilot[None], Reader]]:
    app = ReaderApp()
    async with app.run_test(size=(60, 20)) as pilot:
        reader = app.query_one(Reader)
        reader.show_view(view)
        await pilot.pause()
        yield pilot, reader


async def test_a_drag_selects_the_words_under_the_mouse_and_ctrl_c_copies_them() -> None:
    async with showing(ReaderView(headers=[("Objet :", "Salle")], body=BODY)) as (pilot, reader):
        app = pilot.app
        y = row_of(reader, "jeudi")
        line = "".join(s.text for s in reader.render_line(y))
        x = line.index("jeudi")
        await drag(pilot, (x, y), (x + len("jeudi à 17 h") - 1, y))  # to the last letter
        assert app.screen.get_selected_text() == "jeudi à 17 h"
        await pilot.press("ctrl+c")
        assert app.clipboard == "jeudi à 17 h"


async def test_a_selection_over_several_lines_leaves_the_margins_out() -> None:
    """The drawn offsets count the left margin; the copied text does not have it."""
    async with showing(ReaderView(headers=[("Objet :", "Salle")], body=BODY)) as (pilot, reader):
        first = row_of(reader, "Bonjour")
        last = row_of(reader, "Cordialement")
        await drag(pilot, (0, first), (len(" Cordialement.") - 1, last))
        assert pilot.app.screen.get_selected_text() == BODY


async def test_the_selected_part_is_drawn_in_the_selection_colours() -> None:
    async with showing(ReaderView(headers=[], body="un deux trois")) as (pilot, reader):
        y = row_of(reader, "deux")
        before = [s.style.bgcolor if s.style else None for s in reader.render_line(y)]
        await drag(pilot, (4, y), (7, y))  # " un deux": d is at 4
        segments = list(reader.render_line(y))
        selected = next(s for s in segments if s.text == "deux")
        assert selected.style is not None and selected.style.bgcolor not in before


async def test_in_the_app_a_copy_says_where_it_went(monkeypatch: pytest.MonkeyPatch) -> None:
    """Over SSH nothing else shows that ctrl+c did something: the toast says the text
    went to the terminal's clipboard, and what to do if the terminal refuses it."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("enter")
            reader = app.screen.query_one(Reader)
            y = row_of(reader, "Conseil")
            await drag(pilot, (1, y), (7, y))
            selected = app.screen.get_selected_text()
            assert selected and len(selected) == 7
            await pilot.press("ctrl+c")
            assert app.clipboard == selected
            assert any(
                "7 caractères copiés" in n.message and "Maj" in n.message
                for n in app._notifications
            )
