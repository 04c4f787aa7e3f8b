"""The certificate prompt: Reject is the default, each key decides, hostile text is inert."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Button

from tests.test_snapshots import INFO, PIN
from tui.screens.certificate import CertificatePrompt, Decision, split_fingerprint


class Host(App[None]):
    def __init__(self, changed: bool = False) -> None:
        super().__init__()
        self.changed = changed
        self.decisions: list[Decision | None] = []

    def on_mount(self) -> None:
        self.push_screen(
            CertificatePrompt(INFO, PIN if self.changed else None), self.decisions.append
        )


async def test_reject_has_focus_and_enter_rejects() -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, Button) and app.focused.id == "reject"
        await pilot.press("enter")
        assert app.decisions == [Decision.REJECT]


@pytest.mark.parametrize(
    ("key", "decision"),
    [
        ("o", Decision.ONCE),
        ("t", Decision.ALWAYS),
        ("r", Decision.REJECT),
        ("escape", Decision.REJECT),
    ],
)
async def test_keys_decide(key: str, decision: Decision) -> None:
    app = Host(changed=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(key)
        assert app.decisions == [decision]


async def test_buttons_visible_at_80x24_in_the_changed_variant() -> None:
    app = Host(changed=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for button in app.screen.query(Button):
            region = button.region
            assert region.bottom <= 24 and region.height > 0
        await pilot.click("#always")
        assert app.decisions == [Decision.ALWAYS]


async def test_markup_in_a_certificate_field_is_shown_and_inert() -> None:
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        texts = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "[@click=app.quit]x[/]" in texts
        assert app.is_running


def test_fingerprint_split_in_two_halves() -> None:
    top, bottom = split_fingerprint(INFO.sha256).split("\n")
    assert len(top.split(":")) == 17 and top.endswith(":")
    assert len(bottom.split(":")) == 16
