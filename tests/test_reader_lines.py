"""The reader pane draws its own lines (#21): colours, margins and wrapping must stay
what the five Statics it replaced showed."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.reader import Reader, ReaderView


class ReaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Reader(id="reader")


def view(body: str, warnings: list[str] | None = None) -> ReaderView:
    return ReaderView(
        headers=[("De :", "Claire Petit <claire.petit@ac-dijon.fr>"), ("Objet :", "Salle")],
        body=body,
        warnings=warnings or [],
    )


def background_at(reader: Reader, y: int, x: int) -> object:
    cells = 0
    for segment in reader.render_line(y):
        cells += len(segment.text)
        if cells > x:
            return segment.style.bgcolor if segment.style else None
    raise AssertionError(f"no cell {x} on line {y}")


def line_text(reader: Reader, y: int) -> str:
    return "".join(segment.text for segment in reader.render_line(y))


async def test_a_warning_keeps_its_own_background_and_the_margins_the_pane_s() -> None:
    app = ReaderApp()
    async with app.run_test(size=(60, 20)) as pilot:
        reader = app.query_one(Reader)
        reader.show_view(view("Bonjour.", ["Message suspect."]))
        await pilot.pause()
        lines = [line_text(reader, y) for y in range(10)]
        warning = next(y for y, text in enumerate(lines) if "Message suspect." in text)
        body = next(y for y, text in enumerate(lines) if "Bonjour." in text)
        assert background_at(reader, warning, 2) != background_at(reader, body, 2)
        assert background_at(reader, warning, 0) == background_at(reader, body, 2)  # margin
        assert lines[body].startswith(" Bonjour.")


async def test_a_long_message_wraps_beside_its_scrollbar_and_a_short_one_uses_the_width() -> None:
    app = ReaderApp()
    async with app.run_test(size=(40, 10)) as pilot:
        reader = app.query_one(Reader)
        reader.show_view(view("mot " * 8))
        await pilot.pause()
        assert not reader.show_vertical_scrollbar
        assert max(len(line_text(reader, y).rstrip()) for y in range(6)) > 34

        reader.show_view(view("\n".join(f"ligne {n} " + "mot " * 9 for n in range(30))))
        await pilot.pause()
        assert reader.show_vertical_scrollbar
        width = reader.scrollable_content_region.width
        assert width == 40 - reader.styles.scrollbar_size_vertical
        for y in range(reader.size.height):
            assert reader.render_line(y).cell_length == width
            assert len(line_text(reader, y).rstrip()) <= width - 1  # the right margin


async def test_a_resize_wraps_again() -> None:
    app = ReaderApp()
    async with app.run_test(size=(80, 10)) as pilot:
        reader = app.query_one(Reader)
        reader.show_view(view("un deux trois quatre cinq six sept huit neuf dix " * 2))
        await pilot.pause()
        wide = reader.virtual_size.height
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        assert reader.virtual_size.height > wide
        assert all(len(line_text(reader, y)) == 30 for y in range(reader.size.height))
