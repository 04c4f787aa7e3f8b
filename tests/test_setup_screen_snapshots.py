"""Snapshots of the setup screen at 80x24 and 120x40: empty, filled, and a failure.

Deterministic: the password sources are fixed, step times are hidden, and the failure is
a refused connection on 127.0.0.1 port 1 (no server, no network, same text every run).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Collapsible, Input

from tests.test_setup_screen import ASK_ONLY
from tui.core import secrets
from tui.core.i18n import set_language
from tui.core.net.trust import TrustStore
from tui.screens.setup import SetupScreen

SIZES = [(80, 24), (120, 40)]


class SetupApp(App[None]):
    def __init__(self, tmp_path: Path) -> None:
        super().__init__()
        self.tmp_path = tmp_path

    def on_mount(self) -> None:
        trust = TrustStore(self.tmp_path / "trust.toml")
        self.push_screen(SetupScreen(self.tmp_path / "config.toml", trust=trust))


@pytest.fixture(autouse=True)
def deterministic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_language("fr")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: list(ASK_ONLY))
    monkeypatch.setattr(SetupScreen, "show_times", False)


async def _settle(pilot) -> None:
    await pilot.pause()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False  # a blinking cursor makes the image depend on timing
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _fill(pilot, **values: str) -> None:
    await _settle(pilot)
    for widget_id, value in values.items():
        pilot.app.screen.query_one(f"#{widget_id}", Input).value = value
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_setup_empty(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    assert snap_compare(SetupApp(tmp_path), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
def test_setup_filled(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot) -> None:
        await _fill(pilot, **{"display-name": "Marie Durand", "password": "Secret-2026-x!"})
        username = pilot.app.screen.query_one("#username", Input)
        username.focus()
        await pilot.press(*"Marie.Durand@ac-dijon.fr")
        await pilot.press("tab")
        await _settle(pilot)

    assert snap_compare(SetupApp(tmp_path), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_setup_failure(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot) -> None:
        await _fill(
            pilot,
            username="prenom.nom",
            password="Secret-2026-x!",
            **{"imap-host": "127.0.0.1", "imap-port": "1"},
        )
        pilot.app.screen.query_one("#advanced", Collapsible).collapsed = False
        await pilot.press("ctrl+t")
        await _settle(pilot)
        await pilot.pause(0.2)

    assert snap_compare(SetupApp(tmp_path), terminal_size=size, run_before=run_before)
