"""A small form in a modal: « OK » submits (the subclass checks and dismisses with the
answer), « Annuler » and Échap dismiss with None."""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen
from textual.widgets import Button

T = TypeVar("T")


class Dialog(ModalScreen[T | None]):
    """The subclass composes a Button with id "ok" and one to cancel, and `_submit`s."""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _submit(self) -> None:
        raise NotImplementedError
