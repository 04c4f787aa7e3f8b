"""« Ajouter un compte » (#20): the setup screen in add mode tests the new account on the
real servers and appends an [[accounts]] entry, the first account untouched."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.app import App

from tests.conftest import Bed
from tests.test_setup_screen import ASK_ONLY, fill, run_test, servers, trusting
from tui.config import account_label, load_config
from tui.core import secrets
from tui.core.i18n import set_language
from tui.core.net.trust import TrustStore
from tui.screens.setup import ConfirmUntested, SetupScreen

pytestmark = pytest.mark.server

FIRST = '# mes réglages\n[account]\nusername = "prenom.nom"\nemail = "prenom.nom@ac-dijon.fr"\n'


class Host(App[None]):
    def __init__(self, config_path: Path, trust: TrustStore) -> None:
        super().__init__()
        self.config_path = config_path
        self.trust = trust
        self.results: list[bool | None] = []

    def on_mount(self) -> None:
        screen = SetupScreen(self.config_path, trust=self.trust, adding=True)
        self.push_screen(screen, self.results.append)


@pytest.fixture(autouse=True)
def setup_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_language("fr")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: list(ASK_ONLY))
    secrets.reset_session()


async def test_add_mode_appends_a_valid_accounts_entry(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user("fonction")
    path = tmp_path / "config.toml"
    path.write_text(FIRST, encoding="utf-8")
    app = Host(path, trusting(bed, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "Ajouter un compte" in str(app.screen.query_one("#setup-title").render())
        await fill(
            pilot,
            label="Secrétariat",
            username=user.username,
            email=user.email,
            password=user.password,
            **servers(bed),
        )
        await run_test(pilot)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.results == [True]
    text = path.read_text("utf-8")
    assert text.startswith("# mes réglages") and user.password not in text
    data = tomllib.loads(text)
    assert data["account"]["username"] == "prenom.nom"  # the first account untouched
    (added,) = data["accounts"]
    assert added["label"] == "Secrétariat" and added["username"] == user.username
    config = load_config(path)
    assert [account_label(a) for a in config.accounts] == [
        "prenom.nom@ac-dijon.fr",
        "Secrétariat",
    ]
    assert config.accounts[1]["imap_port"] == bed.imap_port


async def test_add_mode_refuses_an_account_already_there(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(FIRST, encoding="utf-8")
    app = Host(path, TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await fill(pilot, label="Encore", username="prenom.nom", password="Secret-2026-x!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmUntested)
        await pilot.click("#untested-save")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)  # still there, to fix it
        messages = [n.message for n in app._notifications]
    assert app.results == []
    assert path.read_text("utf-8") == FIRST
    assert any("décrit deux fois" in m for m in messages)
