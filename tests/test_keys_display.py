"""Keys as the user has them and reads them: the [keys] remapping in the help screen, the
footer and the command palette, and key names in the interface language (#17)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from textual.command import CommandList
from textual.widgets import Static
from textual.widgets._footer import FooterKey

import tests.app_helpers
from tests.app_helpers import demo_app
from tui.app import CourrielApp
from tui.cli import build_parser
from tui.core.i18n import set_language
from tui.demo import open_demo
from tui.keys import key_name
from tui.screens.help import HelpScreen, key_table

# Textual's English shorthand, which must not reach a French screen.
RAW_NAMES = re.compile(r"(?<![\w+])(esc|tab|del|pgup|pgdn|home|end|enter|space|\^[a-z])(?!\w)")


@contextmanager
def demo_with_keys(monkeypatch: pytest.MonkeyPatch, keys: dict[str, str]) -> Iterator[CourrielApp]:
    """The demo app with a user keymap, as `[keys]` in config.toml gives it."""

    def with_keys() -> Any:
        config, cache, folder = open_demo()
        config.values["keys"] = dict(keys)
        return config, cache, folder

    monkeypatch.setattr(tests.app_helpers, "open_demo", with_keys)
    with demo_app(monkeypatch) as app:
        yield app


def footer_keys(app: Any) -> dict[str, str]:
    """Description → key as the footer shows it."""
    return {key.description: key.key_display for key in app.screen.query(FooterKey)}


def bottom_row(app: Any) -> str:
    return str(app.screen._compositor.render_strips()[-1].text)


def help_rows(app: Any) -> list[tuple[str, str]]:
    """What the help screen lists: key_table of the screen it was opened over."""
    assert isinstance(app.screen, HelpScreen)
    assert app.screen.rows == key_table(app.screen_stack[-2])
    return app.screen.rows


def help_text(app: Any) -> str:
    assert isinstance(app.screen, HelpScreen)
    return "\n".join(str(static.render()) for static in app.screen.query(Static))


async def palette_prompts(pilot: Any, query: str = "") -> list[str]:
    await pilot.press("ctrl+p")
    await pilot.pause()
    if query:
        await pilot.press(*query)
    found = pilot.app.screen.query_one(CommandList)
    for _attempt in range(100):  # the palette searches in a worker
        await pilot.pause(0.02)
        if found.option_count:
            break
    return [str(found.get_option_at_index(i).prompt) for i in range(found.option_count)]


# --- the user's keymap ------------------------------------------------------------------


async def test_help_shows_the_remapped_delete_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_with_keys(monkeypatch, {"mailbox.delete": "x"}) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("question_mark")
            await pilot.pause()
            rows = {description: keys for keys, description in help_rows(app)}
            assert rows["Supprimer"] == "x"
            text = help_text(app)
            assert re.search(r"^x +Supprimer$", text, re.MULTILINE), text
            assert "d, del" not in text and "d, Suppr" not in text


async def test_footer_shows_the_remapped_key(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_with_keys(monkeypatch, {"mailbox.delete": "x"}) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert footer_keys(app)["Supprimer"] == "x"
            assert "x Supprimer" in bottom_row(app)


async def test_footer_and_help_name_a_remapped_special_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_with_keys(monkeypatch, {"mailbox.delete": "delete", "app.help": "f2"}) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            shown = footer_keys(app)
            assert shown["Supprimer"] == "Suppr"
            assert shown["Aide"] == "F2"
            assert "Suppr Supprimer" in bottom_row(app)
            await pilot.press("f2")
            await pilot.pause()
            rows = {description: keys for keys, description in help_rows(app)}
            assert rows["Supprimer"] == "Suppr"
            assert rows["Aide"] == "F2"


async def test_palette_shows_the_keys_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_with_keys(monkeypatch, {"app.help": "f2"}) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            prompts = await palette_prompts(pilot, "aide")
            assert prompts == ["Aide  F2\nLes touches de cet écran"]
            await pilot.press("escape")
            await pilot.pause()
            listed = await palette_prompts(pilot)  # nothing typed: every command
            assert "Aide  F2\nLes touches de cet écran" in listed
            assert any(prompt.startswith("Quitter  q") for prompt in listed), listed


# --- key names in the interface language ------------------------------------------------


def test_key_names_in_french() -> None:
    names = {
        "escape": "Échap",
        "tab": "Tab",
        "delete": "Suppr",
        "pageup": "PgPréc",
        "pagedown": "PgSuiv",
        "home": "Début",
        "end": "Fin",
        "enter": "Entrée",
        "space": "Espace",
        "up": "↑",
        "down": "↓",
        "ctrl+p": "Ctrl+P",
        "shift+tab": "Maj+Tab",
        "f1": "F1",
        "question_mark": "?",
        "slash": "/",
        "G": "G",
    }
    assert {key: key_name(key) for key in names} == names


def test_key_names_in_english(english: None) -> None:
    """Fails until the lead merges the `key` context into the English catalogue."""
    names = {
        "escape": "Esc",
        "tab": "Tab",
        "delete": "Del",
        "pageup": "PgUp",
        "pagedown": "PgDn",
        "home": "Home",
        "end": "End",
        "enter": "Enter",
        "space": "Space",
        "ctrl+p": "Ctrl+P",
        "shift+tab": "Shift+Tab",
        "f1": "F1",
    }
    assert {key: key_name(key) for key in names} == names


async def test_french_key_names_in_footer_and_help_at_80x24(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("enter")  # reading: the footer offers Échap
            await pilot.pause()
            footer = bottom_row(app)
            assert "Échap Retour" in footer
            assert footer.rstrip().endswith("? Aide  q Quitter"), footer  # none cut in half
            assert not RAW_NAMES.search(footer), footer
            await pilot.press("escape", "question_mark")
            await pilot.pause()
            text = help_text(app)
            for row in ("Échap", "PgPréc", "PgSuiv", "Début, g", "Fin, G", "Entrée", "Ctrl+P"):
                assert row in text, row
            assert not RAW_NAMES.search(text), RAW_NAMES.findall(text)
            frame = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
            assert "Échap" in frame


async def test_compose_footer_at_80x24_keeps_close_and_help(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("c")
            await pilot.pause()
            footer = bottom_row(app)
            for shown in ("Ctrl+S Envoyer", "Échap Fermer", "F1 Aide"):
                assert shown in footer, footer
            assert not RAW_NAMES.search(footer), footer


async def test_english_key_names_in_the_footer(
    monkeypatch: pytest.MonkeyPatch, english: None
) -> None:
    """Fails until the lead merges the `key` context into the English catalogue."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            assert footer_keys(app)["Retour"] == "Esc"  # descriptions stay French in-process


# --- courriel --help --------------------------------------------------------------------


def every_help() -> list[str]:
    parser = build_parser()
    helps = [parser.format_help()]
    subparsers = parser._subparsers
    assert subparsers is not None
    for action in subparsers._group_actions:
        helps += [sub.format_help() for sub in action.choices.values()]  # type: ignore[union-attr]
    return helps


def test_help_has_no_english_options_heading() -> None:
    set_language("fr")
    for text in every_help():
        assert "options:" not in text, text
        assert "\noptions :\n" in text, text


def test_help_keeps_the_english_heading_in_english(english: None) -> None:
    for text in every_help():
        assert "\noptions:\n" in text, text


async def test_the_footer_keeps_its_keys_when_one_appears_or_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Entrée adds « Échap Retour » (and, at 80 columns, leaves out « / Rechercher »):
    the other keys stay the same widgets, in order, greyed or not as the screen says
    (#21: mounting and styling every key was a fifth of the work of opening a message)."""
    from tui.widgets.footer import Footer

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            footer = app.screen.query_one(Footer)

            def keys() -> list[FooterKey]:
                return list(footer.query(FooterKey))

            before = {key.action: key for key in keys()}
            await pilot.press("enter")
            await pilot.pause()
            after = keys()
            assert [k.key_display for k in after][:2] == ["Échap", "b"]
            assert "Échap Retour" in bottom_row(app)
            kept = [key for key in after if key.action in before]
            assert kept and all(key is before[key.action] for key in kept)
            await pilot.press("escape")
            await pilot.pause()
            assert [k.action for k in keys()] == list(before)
            assert bottom_row(app).startswith(" b Dossiers")


async def test_help_lists_the_keys_the_mailbox_takes_from_its_parts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`?` listed only MailboxScreen's own BINDINGS: V, T, S, L and I, declared where
    their actions live (MessageActions, ListOrder), worked but were missing."""
    with demo_with_keys(monkeypatch, {"mailbox.sort": "f6"}) as app:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            rows = {description: keys for keys, description in help_rows(app)}
            assert rows["Tout marquer"] == "V"
            assert rows["Marquer selon…"] == "T"
            assert rows["Trier…"] == "F6"  # the keymap applies to them too
            assert rows["Plus gros messages"] == "L"
            assert rows["Indésirable"] == "I"
            assert rows["Supprimer"] == "d, Suppr"  # the screen's own still there, once


async def test_the_palette_names_a_remapped_key_not_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """« Trier… » said « (touche S) » in its text even with S remapped; the palette
    already shows the keys in force beside each title."""
    with demo_with_keys(monkeypatch, {"mailbox.sort": "f6"}) as app:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
            assert "S" not in commands["Trier…"].split()
            assert all("(touche" not in help_text for help_text in commands.values())
            prompts = await palette_prompts(pilot, "trier")
            assert any("Trier…  F6" in prompt for prompt in prompts), prompts
