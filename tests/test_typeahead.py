"""Keys typed ahead (tui.typeahead): sent as one burst, as SSH delivers them (#24)."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList

from tests.app_helpers import burst
from tui.typeahead import TypeAhead


class Ask(ModalScreen[str]):
    """A dialog opened by a key, its field focused in on_mount as ours are."""

    def compose(self) -> ComposeResult:
        yield Input(id="answer")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class Home(Screen[None]):
    BINDINGS = [Binding("a", "ask", "Ask"), Binding("x", "count", "Count")]

    def compose(self) -> ComposeResult:
        yield OptionList("un", "deux", id="list")  # focused first: keys are commands
        yield Input(id="home-field")

    def action_ask(self) -> None:
        self.app.push_screen(Ask(), self.app.answers.append)  # type: ignore[attr-defined]

    def action_count(self) -> None:
        self.app.counted += 1  # type: ignore[attr-defined]


class Host(TypeAhead, App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[str] = []
        self.counted = 0

    def on_mount(self) -> None:
        self.push_screen(Home())


async def test_a_dialog_opened_by_a_key_gets_the_keys_typed_after_it() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.focused, OptionList)
        burst(app, "a", "/home/marie/Documents/pieces-jointes", "enter")
        for _attempt in range(100):  # a loaded CI machine: wait for it, not a fixed 0.3 s
            await pilot.pause(0.05)
            if app.answers:
                break
        assert app.answers == ["/home/marie/Documents/pieces-jointes"]
        burst(app, "x", "x")
        await pilot.pause()
        assert app.counted == 2  # the dialog closed, keys are commands again


async def test_keys_do_not_wait_on_a_screen_whose_focus_went_away() -> None:
    """A screen that was ready once is never waited for again: no lag on each key."""
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("x")  # the screen was ready once
        app.set_focus(None)
        await pilot.pause()
        burst(app, "x", "x", "x")
        await pilot.pause()
        assert app.counted == 4


class Never(ModalScreen[None]):
    """Can take the focus but never does: keys are let through after a while."""

    def compose(self) -> ComposeResult:
        yield Input()

    def on_mount(self) -> None:
        self.set_focus(None)


async def test_a_screen_that_never_takes_the_focus_gets_the_keys_after_a_while() -> None:
    app = Host()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = Never()
        screen.AUTO_FOCUS = None
        app.push_screen(screen)
        burst(app, "z")
        await pilot.pause(1.5)
        assert not app._typeahead_held  # handed out, not kept forever


GRACE = 2.0


def _prompt_as_keys_arrive(
    app: App[None], monkeypatch: pytest.MonkeyPatch, *keys: str
) -> list[object]:
    """A certificate prompt comes up by itself (a reconnection) while `keys`, typed for
    the mailbox, are arriving; its decisions are collected in the returned list."""
    from tui.core.net.certificates import CertificateInfo
    from tui.screens.certificate import CertificatePrompt

    # Long enough that a loaded machine (CI, xdist) still hands the burst over inside it.
    monkeypatch.setattr(CertificatePrompt, "KEY_GRACE_SECONDS", GRACE)
    info = CertificateInfo("hermes.ac-dijon.fr", 993, "CN=x", (), "CN=y", None, None, "AA", "")
    decisions: list[object] = []
    app.call_later(lambda: app.push_screen(CertificatePrompt(info), decisions.append))
    burst(app, *keys)
    return decisions


async def test_a_key_typed_for_the_mailbox_never_accepts_a_certificate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`o` (the outbox) typed as a certificate prompt comes up after a reconnection: it
    was accepted « une fois », and the password went out. Keys that come before the
    prompt could be read are refused with a bell; after that, `o` works."""
    from tests.app_helpers import demo_app
    from tui.screens.certificate import CertificatePrompt, Decision

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            decisions = _prompt_as_keys_arrive(app, monkeypatch, "o")
            await pilot.pause(0.2)
            assert decisions == [] and isinstance(app.screen, CertificatePrompt)
            await pilot.pause(GRACE)
            await pilot.press("o")  # read, then decided
            assert decisions == [Decision.ONCE]


@pytest.mark.parametrize("keys", [("tab", "enter"), ("tab", "tab", "enter"), ("right", "enter")])
async def test_stray_tab_and_enter_never_accept_a_certificate(
    monkeypatch: pytest.MonkeyPatch, keys: tuple[str, ...]
) -> None:
    """Second review of #24: Tab then Enter, typed for the mailbox as the prompt came
    up, moved off « Refuser » and accepted (Tab Tab Enter: « toujours »)."""
    from tests.app_helpers import demo_app
    from tui.screens.certificate import Decision

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            decisions = _prompt_as_keys_arrive(app, monkeypatch, *keys)
            await pilot.pause(0.2)
            assert decisions in ([], [Decision.REJECT])
