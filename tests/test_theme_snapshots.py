"""Every shipped theme on the main screen; the 16-colour one with TEXTUAL_COLOR_SYSTEM=standard."""

from __future__ import annotations

import pytest

from tests.app_helpers import demo_app
from tui.themes import load_themes

THEMES = sorted(load_themes(None).themes)


@pytest.mark.parametrize("theme", THEMES)
def test_main_screen_in_each_theme(
    snap_compare, monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    with demo_app(monkeypatch) as app:
        app.theme = theme
        assert snap_compare(app, terminal_size=(100, 30))


def test_sixteen_colour_terminal_picks_the_console_theme(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    with demo_app(monkeypatch) as app:
        assert app.theme == "console"


@pytest.mark.parametrize("theme", THEMES)
async def test_each_theme_starts_without_a_stylesheet_error(
    monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    with demo_app(monkeypatch) as app:
        app.theme = theme
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.screen.query("MessageList")
