"""A question with a few buttons (save the draft? discard? quit anyway?)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.core.i18n import _
from tui.widgets.prose import Prose


class Choice(ModalScreen[str]):
    """A question with a few buttons; dismisses with the chosen button's id."""

    DEFAULT_CSS = """
    Choice {
        align: center middle;
    }
    Choice > Vertical {
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    Choice #choice-title {
        text-style: bold;
        padding-bottom: 1;
    }
    Choice Horizontal {
        height: auto;
        align-horizontal: center;
        padding-top: 1;
    }
    Choice Button {
        margin: 0 1;
    }
    """
    BINDINGS = [
        Binding("escape", "choose('cancel')", _("Annuler"), id="choice.cancel"),
        Binding("left", "app.focus_previous", show=False),
        Binding("right", "app.focus_next", show=False),
    ]

    def __init__(self, title: str, text: str, buttons: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.buttons = buttons

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self.title_text), id="choice-title")
            if self.text:
                yield Static(Prose(self.text))
            with Horizontal():
                for index, (button_id, label) in enumerate(self.buttons):
                    variant: Literal["primary", "default"] = "primary" if index == 0 else "default"
                    yield Button(Content(label), id=button_id, variant=variant)

    def on_mount(self) -> None:
        self.set_focus(self.query(Button).first())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
