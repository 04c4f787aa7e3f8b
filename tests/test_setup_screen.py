"""The setup screen driven with the Pilot against the real Dovecot and SMTP servers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Button, Collapsible, Input, Select, Static

from tests.conftest import Bed
from tui.core import secrets
from tui.core.i18n import set_language
from tui.core.net.trust import TrustStore
from tui.screens.certificate import CertificatePrompt
from tui.screens.setup import ConfirmUntested, SetupScreen

SIZES = [(80, 24), (120, 40)]
ASK_ONLY = [secrets.Source("ask", "Demander à chaque session", "Gardé en mémoire seulement.")]


class Host(App[None]):
    """Hosts the screen alone and records what it dismissed with."""

    def __init__(self, config_path: Path, trust: TrustStore, initial: dict | None = None):
        super().__init__()
        self.config_path = config_path
        self.trust = trust
        self.initial = initial
        self.results: list[bool | None] = []

    def on_mount(self) -> None:
        screen = SetupScreen(self.config_path, trust=self.trust, initial=self.initial)
        self.push_screen(screen, self.results.append)


@pytest.fixture(autouse=True)
def setup_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_language("fr")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    # The machine's keyring (or its absence) must not change what the screen offers.
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: list(ASK_ONLY))
    secrets.reset_session()


def trusting(bed: Bed, tmp_path: Path) -> TrustStore:
    ca = tmp_path / "ca.pem"
    ca.write_text(bed.dovecot.cert.read_text() + bed.smtp.cert.read_text())
    return TrustStore(tmp_path / "trust.toml", cafile=ca)


def text_of(app: App, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def results_text(app: App) -> str:
    return "\n".join(str(s.render()) for s in app.screen.query("#results Static"))


async def fill(pilot, typed: bool = False, **values: str) -> None:
    """Put values into fields by id; `typed` types them key by key, as a user would."""
    screen = pilot.app.screen
    if any(key.startswith(("imap", "smtp")) for key in values):
        screen.query_one("#advanced", Collapsible).collapsed = False
        await pilot.pause()
    for widget_id, value in values.items():
        field = screen.query_one(f"#{widget_id.replace('_', '-')}", Input)
        field.focus()
        if not typed:
            field.value = value
            continue
        field.value = ""
        await pilot.pause()
        if value:
            await pilot.press(*value)
    await pilot.pause()


def servers(bed: Bed, **overrides: str) -> dict[str, str]:
    values = {
        "imap_host": "localhost",
        "imap_port": str(bed.imap_port),
        "smtp_host": "localhost",
        "smtp_port": str(bed.smtp_port),
    }
    values.update(overrides)
    return values


async def run_test(pilot) -> None:
    pilot.app.screen.query_one("#test", Button).press()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_full_address_is_normalised_and_logs_in(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    app = Host(tmp_path / "config.toml", trusting(bed, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, typed=True, username=f"{user.username.upper()}@ac-dijon.fr")
        note = text_of(app, "#username-note")
        assert f"« {user.username} »" in note and "adresse complète" in note
        await pilot.press("tab")  # leaving the field puts the short form in it
        assert app.screen.query_one("#username", Input).value == user.username
        assert "adresse complète" in text_of(app, "#username-note")
        assert app.screen.query_one("#email", Input).value == f"{user.username}@ac-dijon.fr"
        await fill(pilot, password=user.password, **servers(bed))
        await run_test(pilot)
        shown = results_text(app)
        assert shown.count("✓") == 6 and "✗" not in shown
        assert "La connexion fonctionne" in shown
        assert str(app.screen.query_one("#save", Button).label) == "Enregistrer"


async def test_username_errors_name_the_expected_forms(tmp_path: Path) -> None:
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, typed=True, username="hélène durand")
        note = app.screen.query_one("#username-note", Static)
        assert "-error" in note.classes
        assert "« prenom.nom »" in str(note.render()) and "accents" in str(note.render())
        await fill(pilot, typed=True, username="[@click=app.quit]x[/]")
        assert "-error" in note.classes and "« [ »" in str(note.render()) and app.is_running
        await fill(pilot, username="jdupont2")
        assert "-error" not in note.classes
        # jdupont2's address is not derivable: nothing is guessed.
        assert app.screen.query_one("#email", Input).value == ""


async def test_wrong_password_shows_the_authentication_diagnosis(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    app = Host(tmp_path / "config.toml", trusting(bed, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, username=user.username, password="Mauvais-Mot-2026!", **servers(bed))
        await run_test(pilot)
        shown = results_text(app)
        assert "✗ Identification (réception)" in shown
        # The short username was sent: the password is suspected first, the name checked.
        assert f"« {user.username} »" in shown and "mot de passe" in shown
        assert "NUMEN" in shown and "03 80 44 88 09" in shown
        assert "Mauvais-Mot-2026!" not in shown
        assert str(app.screen.query_one("#save", Button).label) == "Enregistrer sans tester"
        assert app.focused is app.screen.query_one("#fix", Button)
        await pilot.press("enter")
        assert app.focused is app.screen.query_one("#username", Input)


async def test_server_stopped_shows_the_connection_diagnosis(
    fresh_bed: Bed, tmp_path: Path
) -> None:
    user = fresh_bed.new_user()
    trust = trusting(fresh_bed, tmp_path)
    values = servers(fresh_bed)
    fresh_bed.stop()
    app = Host(tmp_path / "config.toml", trust)
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, username=user.username, password=user.password, **values)
        await run_test(pilot)
        shown = results_text(app)
        assert "✓ Résolution du nom" in shown and "✗ Connexion au serveur" in shown
        assert "webmail" in shown and "maintenance" in shown


async def test_wrong_port_is_explained(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    app = Host(tmp_path / "config.toml", trusting(bed, tmp_path))
    async with app.run_test(size=(120, 40)) as pilot:
        # The SMTP port given for IMAP: TLS works, the greeting is not IMAP.
        values = servers(bed, imap_port=str(bed.smtp_port))
        await fill(pilot, username=user.username, password=user.password, **values)
        await run_test(pilot)
        shown = results_text(app)
        assert "Mauvais port" in shown and "993" in shown and "465" in shown
        await pilot.click("#fix")
        assert app.focused is app.screen.query_one("#imap-port", Input)


async def test_untrusted_certificate_goes_through_the_prompt(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    trust = TrustStore(tmp_path / "trust.toml")  # does not know the bed's certificates
    app = Host(tmp_path / "config.toml", trust)
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, username=user.username, password=user.password, **servers(bed))
        app.screen.query_one("#test", Button).press()
        # IMAP's certificate, then SMTP's: each is its own decision.
        for port in (bed.imap_port, bed.smtp_port):
            for _ in range(200):
                await pilot.pause(0.05)
                if isinstance(app.screen, CertificatePrompt):
                    break
            assert isinstance(app.screen, CertificatePrompt)
            assert app.screen.info.port == port
            await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
        shown = results_text(app)
        assert shown.count("✓") == 6 and "accepté par vous" in shown
        assert trust.pins() == []  # once, not always


async def test_rejected_certificate_stops_at_tls(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, username=user.username, password=user.password, **servers(bed))
        app.screen.query_one("#test", Button).press()
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, CertificatePrompt):
                break
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "✗ Chiffrement SSL/TLS" in results_text(app)


async def test_save_after_a_successful_test_writes_the_config(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text("# mes réglages\n[ui]\nmouse = false\n")
    app = Host(path, trusting(bed, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(
            pilot,
            username=user.username,
            display_name="Hélène [Durand]",
            email=user.email,
            password=user.password,
            interval="20",
            **servers(bed),
        )
        await run_test(pilot)
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.results == [True]
    text = path.read_text()
    assert text.startswith("# mes réglages") and user.password not in text
    data = tomllib.loads(text)
    assert data["ui"] == {"mouse": False}
    assert data["account"] == {
        "username": user.username,
        "display_name": "Hélène [Durand]",
        "email": user.email,
        "imap_host": "localhost",
        "imap_port": bed.imap_port,
        "smtp_host": "localhost",
        "smtp_port": bed.smtp_port,
        "password_source": "ask",
        "password_command": "",
    }
    assert data["sync"] == {"interval_minutes": 20}
    account = data["account"]
    assert secrets.get_password(account) == user.password  # this session's memory


async def test_save_without_test_warns_first(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = Host(path, TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, username="prenom.nom", password="Secret-2026-x!")
        app.screen.query_one("#save", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmUntested)
        await pilot.press("enter")  # « Retour » has the focus
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen) and not path.exists()
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.click("#untested-save")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.results == [True]
    assert tomllib.loads(path.read_text())["account"]["username"] == "prenom.nom"
    assert "Secret-2026-x!" not in path.read_text()


async def test_cancel_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = Host(path, TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await fill(pilot, username="prenom.nom")
        await pilot.press("escape")
        await pilot.pause()
    assert app.results == [False] and not path.exists()


async def test_command_source_shows_its_field_and_initial_values(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sources = [
        secrets.Source("command", "Commande de mot de passe", "Lu par la commande."),
        *ASK_ONLY,
    ]
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: sources)
    initial = {
        "account": {"username": "jdupont", "password_command": "pass show academie"},
        "sync": {"interval_minutes": 30},
    }
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"), initial)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        select = screen.query_one("#source", Select)
        assert select.value == "command"
        command = screen.query_one("#password-command", Input)
        assert command.parent.display and command.value == "pass show academie"
        assert screen.query_one("#interval", Input).value == "30"
        select.value = "ask"
        await pilot.pause()
        assert not command.parent.display


@pytest.mark.parametrize("size", SIZES)
async def test_buttons_reachable(size: tuple[int, int], tmp_path: Path) -> None:
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for button in app.screen.query("#setup-buttons Button"):
            assert button.region.height > 0 and button.region.bottom <= size[1] - 1
        for binding in SetupScreen.BINDINGS:
            assert binding.description and binding.id  # type: ignore[union-attr]


async def test_hostile_host_is_shown_as_text(tmp_path: Path) -> None:
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await fill(pilot, imap_host="[@click=app.quit]x[/]")
        preset = app.screen.query_one("#preset", Static)
        assert "[@click=app.quit]x[/]" in str(preset.render()) and "-modified" in preset.classes
        app.screen.query_one("#setup-form").scroll_home(animate=False)
        await pilot.pause()
        await pilot.click("#preset")
        assert app.is_running
        await fill(pilot, username="prenom.nom", password="Secret-2026-x!")
        await pilot.press("enter")  # in the password field: runs the test, which refuses
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#imap-host", Input)
        assert not app.screen.query_one("#results").display


async def test_enter_moves_to_the_next_field(tmp_path: Path) -> None:
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is app.screen.query_one("#username", Input)
        await pilot.press(*"jdupont", "enter")
        assert app.focused is app.screen.query_one("#display-name", Input)


async def test_password_command_is_tested_and_saved(
    bed: Bed, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sources = [
        *ASK_ONLY,
        secrets.Source("command", "Commande de mot de passe", "Lu par la commande."),
    ]
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: sources)
    user = bed.new_user()
    path = tmp_path / "config.toml"
    app = Host(path, trusting(bed, tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.screen.query_one("#source", Select).value = "command"
        await pilot.pause()
        command = f"echo {user.password}"
        await fill(pilot, username=user.username, password_command=command, **servers(bed))
        await run_test(pilot)
        assert results_text(app).count("✓") == 6
        await pilot.press("ctrl+s")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.results == [True]
    account = tomllib.loads(path.read_text())["account"]
    assert account["password_source"] == "command" and account["password_command"] == command


async def test_f2_opens_the_servers_section_below_the_fold(tmp_path: Path) -> None:
    """« ▶ Avancé » was reached only by many Tab presses at 80x24 (#17)."""
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#advanced", Collapsible).collapsed
        await pilot.press("f2")
        await pilot.pause()
        host = app.screen.query_one("#imap-host", Input)
        assert not app.screen.query_one("#advanced", Collapsible).collapsed
        assert app.focused is host
        assert host.region.y >= 0 and host.region.bottom <= 24


def screen_lines(app: App) -> list[str]:
    """The screen's text as it reaches the terminal."""
    update = app.screen._compositor.render_update(full=True, simplify=True)
    return [
        "".join(text for strip in line for text, _s, c in strip if not c) for line in update.strips
    ]  # type: ignore[union-attr]


@pytest.mark.parametrize("size", SIZES)
async def test_no_guillemet_is_left_alone_at_a_line_edge(
    size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« sans « @ac-dijon.fr / » : prenom.nom » broke across lines at 80 columns (#17)."""
    unusable = secrets.Source("ask", "Demander à chaque session", secrets._unusable("x"))
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: [unusable])
    app = Host(tmp_path / "config.toml", TrustStore(tmp_path / "trust.toml"))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        form = app.screen.query_one("#setup-form")
        for y in range(0, int(form.max_scroll_y) + size[1], size[1] // 2):
            form.scroll_to(y=y, animate=False)
            await pilot.pause()
            for line in screen_lines(app):
                words = line.replace("\u00a0", " ").strip(" ▊▎▇▅▁▔")
                assert not words.startswith(("»", ":", ";")) and not words.endswith("«"), line
