"""Snapshots of what a person sees, at 80x24 and 120x40, from the fixed-clock demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.app_helpers import demo_app
from tui.core.net.certificates import CertificateInfo, Pin
from tui.screens.certificate import CertificatePrompt
from tui.screens.mailbox import MailboxScreen

SIZES = [(80, 24), (120, 40)]

INFO = CertificateInfo(
    host="hermes.ac-dijon.fr",
    port=993,
    subject="CN=hermes.ac-dijon.fr, O=Rectorat de Dijon",
    dns_names=("hermes.ac-dijon.fr",),
    issuer="CN=Autorité inconnue [@click=app.quit]x[/]",
    not_before=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
    not_after=dt.datetime(2027, 1, 5, tzinfo=dt.UTC),
    sha256=":".join(["AB", "CD", "EF", "01"] * 8),
    reason="certificat signé par une autorité inconnue",
)
PIN = Pin("hermes.ac-dijon.fr", 993, ":".join(["12", "34", "56", "78"] * 8), "2026-03-12")


class PromptApp(App[None]):
    def __init__(self, pinned: Pin | None) -> None:
        super().__init__()
        self.pinned = pinned

    def on_mount(self) -> None:
        self.push_screen(CertificatePrompt(INFO, self.pinned))


@pytest.mark.parametrize("size", SIZES)
def test_inbox(snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_reading(snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, press=["down", "enter"])


@pytest.mark.parametrize("size", SIZES)
def test_marked_messages(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """The mark column, marked rows and the count in the status bar (#19)."""
    with demo_app(monkeypatch) as app:
        keys = ["space", "down", "space", "space"]
        assert snap_compare(app, terminal_size=size, press=keys)


@pytest.mark.parametrize("size", SIZES)
def test_mark_by_pattern(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    async def refused(pilot: Pilot[None]) -> None:
        await pilot.pause(0.3)  # the wide layout's first preview, before the dialog
        await pilot.press("T", *"rectorat", "tab", "tab", *"deux ans", "enter")
        await pilot.pause()

    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, run_before=refused)


@pytest.mark.parametrize("size", SIZES)
def test_sorted_by_size(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Largest first, with the size column at every width (#19)."""
    with demo_app(monkeypatch) as app:
        keys = ["S", "down", "down", "enter"]
        assert snap_compare(app, terminal_size=size, press=keys)


@pytest.mark.parametrize("size", SIZES)
def test_largest_messages(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """The clean-up view, two marked: what deleting them would free (#19)."""

    async def mark_two(pilot: Pilot[None]) -> None:
        await pilot.press("L", "space", "space")
        await pilot.pause(0.3)  # the wide layout's preview follows the cursor, debounced

    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, run_before=mark_two)


@pytest.mark.parametrize("size", SIZES)
def test_rules_screen(snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    """The sorting rules with what they would do to the inbox (#19)."""
    from tui.core.mail.rules import parse_rules

    async def open_rules(pilot: Pilot[None]) -> None:
        await pilot.pause(0.3)
        screen = pilot.app.screen
        assert isinstance(screen, MailboxScreen)
        screen.action_rules()
        for _attempt in range(100):  # counted in a thread
            if getattr(pilot.app.screen, "plan", None) is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause()

    with demo_app(monkeypatch) as app:
        # The demo's file is in a temporary folder: a fixed path for the picture.
        app.account.config.path = Path("/home/marie/.config/courriel/config.toml")
        app.account.config.rules = parse_rules(
            [
                {"name": "Sorties", "subject": "sortie pédagogique", "move": "Archives"},
                {"name": "Rectorat", "from": ["rectorat", "dsden"], "read": True, "flag": True},
                {"name": "Projets", "keyword": "erasmus", "move": "Projets/Erasmus"},
            ]
        )
        assert snap_compare(app, terminal_size=size, run_before=open_rules)


@pytest.mark.parametrize("size", SIZES)
def test_empty_folder(snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]) -> None:
    # Inbox, Drafts, Sent, Archives: the demo's Archives folder is empty.
    with demo_app(monkeypatch) as app:
        keys = ["b", "down", "down", "down", "enter"]
        assert snap_compare(app, terminal_size=size, press=keys)


async def search_reunion(pilot: Pilot[None]) -> None:
    await pilot.press("slash", *"réunion", "enter")
    screen = pilot.app.screen
    assert isinstance(screen, MailboxScreen)
    if not screen.has_class("-wide"):
        return
    # Wide, the reader previews the first result once the cursor rests: wait for it.
    for _ in range(100):
        row = screen.messages.row(screen.messages.cursor)
        if row is not None and screen.opened == (row.folder, row.uid):  # type: ignore[attr-defined]
            return
        await pilot.pause(0.05)
    raise AssertionError("the first result was never previewed")


@pytest.mark.parametrize("size", SIZES)
def test_search_results(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    # Results from several folders, the search text above them, the way back (Échap)
    # in the status bar and the footer.
    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, run_before=search_reunion)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("changed", [False, True], ids=["new", "changed"])
def test_certificate_prompt(snap_compare, size: tuple[int, int], changed: bool) -> None:
    assert snap_compare(PromptApp(PIN if changed else None), terminal_size=size)
