"""Themes are data files: the shipped ones load, a broken user file is refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.themes import DEFAULT_THEME, SIXTEEN_COLOUR_THEME, load_themes


def test_shipped_themes_load_without_problems() -> None:
    loaded = load_themes(None)
    assert loaded.problems == []
    assert {DEFAULT_THEME, SIXTEEN_COLOUR_THEME, "courriel-clair", "contraste"} <= set(
        loaded.themes
    )
    assert loaded.themes[SIXTEEN_COLOUR_THEME].ansi


def test_user_theme_added_and_broken_one_refused(tmp_path: Path) -> None:
    (tmp_path / "mien.toml").write_text('name = "mien"\nprimary = "#123456"\n')
    (tmp_path / "casse.toml").write_text('name = "casse"\nprimary = "#12345G"\n')
    (tmp_path / "faute.toml").write_text('name = "faute"\nprimary = "#123456"\nprimaire = "x"\n')
    (tmp_path / "illisible.toml").write_text("name = \n")
    loaded = load_themes(tmp_path)
    assert "mien" in loaded.themes
    assert "casse" not in loaded.themes and "faute" not in loaded.themes
    problems = "\n".join(loaded.problems)
    assert "casse.toml ignoré : couleur invalide" in problems
    assert "faute.toml ignoré : clé inconnue « primaire »" in problems
    assert "illisible.toml ignoré : fichier illisible" in problems


async def test_the_theme_picker_offers_courriels_themes_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """It mixed Textual's ~20 built-in themes with courriel's four (#17)."""
    from textual.command import CommandList

    from tests.app_helpers import demo_app

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            app.search_themes()
            await pilot.pause()
            found = app.screen.query_one(CommandList)
            for _attempt in range(100):  # the palette discovers in a worker
                await pilot.pause(0.02)
                if found.option_count >= 4:
                    break
            shown = {str(found.get_option_at_index(i).prompt) for i in range(found.option_count)}
            assert shown == {"console", "contraste", "courriel-clair", "courriel-sombre"}
