"""No screen's stylesheet reaches another screen's widgets (issue #17).

Textual keeps every stylesheet it has loaded for the whole app: once the compose
screen had been opened, its unscoped `.field Input { border: none; height: 1 }` took
the setup screen's input borders and squeezed its fields (labels cut to « Identif »).
Each screen is drawn here fresh, then after each other screen was opened and closed,
and the two frames must be the same, text and styles (colours, bold, borders), cell
for cell.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import pytest
from rich.style import Style
from textual._compositor import LayoutUpdate
from textual.app import App
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea

import tui.screens
import tui.widgets
from tests.app_helpers import demo_app
from tests.test_setup_screen import ASK_ONLY
from tests.test_snapshots import INFO
from tui.app import CourrielApp
from tui.core import secrets
from tui.core.i18n import set_language
from tui.core.mail.compose import Identity
from tui.core.mail.mime import Attachment
from tui.core.mail.new_drafts import new_draft
from tui.core.net.trust import TrustStore
from tui.screens.certificate import CertificatePrompt
from tui.screens.choice import Choice
from tui.screens.compose import ComposeScreen
from tui.screens.drafts import DraftsScreen
from tui.screens.folder_picker import FolderPicker
from tui.screens.help import HelpScreen, key_table
from tui.screens.mailbox import MailboxScreen
from tui.screens.outbox import OutboxScreen
from tui.screens.password import PasswordPrompt
from tui.screens.save_attachments import SaveAttachments
from tui.screens.setup import ConfirmUntested, SetupScreen

SIZE = (80, 24)

Cell = tuple[str, Style | None]
Frame = list[list[Cell]]


@dataclass(frozen=True)
class Context:
    app: CourrielApp
    tmp_path: Path


def _mailbox(app: CourrielApp) -> MailboxScreen:
    return next(s for s in app.screen_stack if isinstance(s, MailboxScreen))


def _attachments(app: CourrielApp) -> list[Attachment]:
    """The demo's PDF attachment, read from the cache as the mailbox would."""
    account = _mailbox(app).account
    for summary in account.cache.page("INBOX", 0, 100):
        message = account.message("INBOX", summary.uid)
        if message is not None and message.attachments:
            return list(message.attachments)
    raise AssertionError("the demo has no message with an attachment")


def _compose(ctx: Context) -> Screen[Any]:
    account = _mailbox(ctx.app).account
    identity = Identity.from_account(account.config.account)
    return ComposeScreen(identity, new_draft(identity), account.cache, demo=True)


def _setup(ctx: Context) -> Screen[Any]:
    trust = TrustStore(ctx.tmp_path / "trust.toml")
    return SetupScreen(ctx.tmp_path / "config.toml", trust=trust)


def _help(ctx: Context) -> Screen[Any]:
    return HelpScreen(key_table(ctx.app.screen))  # as the app does, over the mailbox


def _outbox(ctx: Context) -> Screen[Any]:
    return OutboxScreen(_mailbox(ctx.app).account.cache)


def _drafts(ctx: Context) -> Screen[Any]:
    return DraftsScreen(_mailbox(ctx.app).account.cache)


def _save_attachments(ctx: Context) -> Screen[Any]:
    return SaveAttachments(_attachments(ctx.app))


def _folder_picker(ctx: Context) -> Screen[Any]:
    return FolderPicker(_mailbox(ctx.app).account.cache.folders(), "INBOX")


def _certificate(ctx: Context) -> Screen[Any]:
    return CertificatePrompt(INFO, None)


def _password(ctx: Context) -> Screen[Any]:
    return PasswordPrompt("prenom.nom@ac-dijon.fr", "hermes.ac-dijon.fr", refused=True)


def _confirm_untested(ctx: Context) -> Screen[Any]:
    return ConfirmUntested()


def _choice(ctx: Context) -> Screen[Any]:
    return Choice(
        "Des messages ne sont pas encore partis",
        "2 messages attendent dans la boîte d'envoi.",
        [("stay", "Rester"), ("quit", "Quitter quand même")],
    )


# The mailbox is the screen under all the others: "opening" it is closing the others.
SCREENS: dict[str, Callable[[Context], Screen[Any]] | None] = {
    "mailbox": None,
    "compose": _compose,
    "setup": _setup,
    "help": _help,
    "outbox": _outbox,
    "drafts": _drafts,
    "save_attachments": _save_attachments,
    "folder_picker": _folder_picker,
    "certificate": _certificate,
    "password": _password,
    "choice": _choice,
    "confirm_untested": _confirm_untested,
}


@pytest.fixture(autouse=True)
def deterministic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    set_language("fr")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    # The machine's keyring (or its absence) must not change what the setup screen offers.
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: list(ASK_ONLY))
    monkeypatch.setattr(SetupScreen, "show_times", False)


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False  # a blinking cursor makes the frame depend on timing
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _frame(app: App[None]) -> Frame:
    """Every cell of the screen as it would reach the terminal: its character and its
    style (colours, bold, borders…), the screens under a modal included, dimmed as drawn."""
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens, simplify=True
    )
    assert isinstance(update, LayoutUpdate)
    rows: Frame = []
    for line in update.strips:
        cells: list[Cell] = []
        for strip in line:
            for text, style, control in strip:
                if not control:
                    cells.extend((char, style) for char in text)
        rows.append(cells)
    return rows


async def _steady_frame(pilot: Pilot[None]) -> Frame:
    """The frame once two in a row are the same: a worker's answer or a message posted
    late must not look like a style that leaked."""
    frame = _frame(pilot.app)
    for _attempt in range(20):
        await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
        again = _frame(pilot.app)
        if again == frame:
            return frame
        frame = again
    raise AssertionError("the screen never stopped changing")


async def _open(pilot: Pilot[None], ctx: Context, name: str) -> None:
    make = SCREENS[name]
    if make is not None:
        await pilot.app.push_screen(make(ctx))
    await _settle(pilot)


async def _close(pilot: Pilot[None], name: str) -> None:
    if SCREENS[name] is not None:
        await pilot.app.pop_screen()
    await pilot.pause()


async def _draw(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, after: str | None
) -> Frame:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=SIZE) as pilot:
            ctx = Context(app, tmp_path)
            await _settle(pilot)
            if after is not None:
                await _open(pilot, ctx, after)
                await _close(pilot, after)
            await _open(pilot, ctx, name)
            return await _steady_frame(pilot)


def _text(row: list[Cell]) -> str:
    return "".join(char for char, _style in row)


def _differences(fresh: Frame, later: Frame, limit: int = 4) -> str:
    """The first lines that differ, in text or else in the style of one cell."""
    found: list[str] = []
    for y, (a, b) in enumerate(zip(fresh, later, strict=True)):
        if a == b:
            continue
        if _text(a) != _text(b):
            found.append(f"line {y}:\n    fresh: {_text(a)!r}\n    after: {_text(b)!r}")
        else:
            x = next(i for i, (ca, cb) in enumerate(zip(a, b, strict=True)) if ca != cb)
            found.append(
                f"line {y}, column {x} ({a[x][0]!r} in {_text(a).strip()!r}):\n"
                f"    fresh: {a[x][1]}\n    after: {b[x][1]}"
            )
        if len(found) == limit:
            break
    return "\n  ".join(found)


def _stylesheets() -> Iterator[tuple[type[DOMNode], str, str]]:
    """Every screen's and widget's own CSS in tui/: CSS_PATH files, CSS and DEFAULT_CSS."""
    for package in (tui.screens, tui.widgets):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for cls in vars(module).values():
                if not (
                    inspect.isclass(cls)
                    and issubclass(cls, DOMNode)
                    and cls.__module__ == module.__name__
                ):
                    continue
                for attribute in ("DEFAULT_CSS", "CSS"):
                    if css := cls.__dict__.get(attribute):
                        yield cls, f"{cls.__name__}.{attribute}", css
                paths = cls.__dict__.get("CSS_PATH") or []
                for path in [paths] if isinstance(paths, str | PurePath) else paths:
                    file = Path(inspect.getfile(cls)).with_name(str(path))
                    yield cls, file.name, file.read_text(encoding="utf-8")


def test_every_rule_starts_with_its_own_screen_or_widget() -> None:
    """The cheap guard beside the drawings below: it also covers screens added later."""
    variables = App().get_css_variables()
    unscoped: list[str] = []
    seen: set[str] = set()
    for cls, where, css in _stylesheets():
        seen.add(where)
        stylesheet = Stylesheet(variables=variables)
        stylesheet.add_source(css, read_from=(where, ""))
        stylesheet.parse()
        for rule in stylesheet.rules:
            for selectors in rule.selector_set:
                if selectors.selectors[0].name != cls.__name__:
                    unscoped.append(f"{where}: {selectors.css}")
    assert {"compose.tcss", "setup.tcss", "MailboxScreen.DEFAULT_CSS"} <= seen
    assert not unscoped, "rules that would reach other screens:\n" + "\n".join(unscoped)


@pytest.mark.parametrize("name", list(SCREENS))
async def test_screen_looks_the_same_after_any_other(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str
) -> None:
    fresh = await _draw(monkeypatch, tmp_path, name, None)
    assert len(fresh) == SIZE[1] and all(len(row) == SIZE[0] for row in fresh)
    changed: list[str] = []
    for other in SCREENS:
        if other in (name, "mailbox"):  # the mailbox is under all: "after" it is fresh
            continue
        later = await _draw(monkeypatch, tmp_path, name, other)
        if later != fresh:
            changed.append(f"after {other}:\n  {_differences(fresh, later)}")
    assert not changed, f"the {name} screen changes once another was opened:\n" + "\n".join(changed)


def test_setup_after_compose_snapshot(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """What the newcomer did: `c`, `Esc`, then « Configurer le compte »: full labels
    (« Identifiant », « Mot de passe ») and bordered inputs, as on a first opening."""

    with demo_app(monkeypatch) as app:

        async def run_before(pilot: Pilot[None]) -> None:
            await _settle(pilot)
            await pilot.press("c")
            await _settle(pilot)
            assert isinstance(app.screen, ComposeScreen)
            await pilot.press("escape")
            await _settle(pilot)
            assert isinstance(app.screen, MailboxScreen)
            await app.push_screen(_setup(Context(app, tmp_path)))
            await _settle(pilot)
            await _steady_frame(pilot)

        assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
