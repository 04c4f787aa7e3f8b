"""Textual's Footer, recomposed only when what it shows has changed.

Textual's Footer rebuilds all its keys on every "bindings updated" signal: seven times
while the mailbox starts (11 keys each, about a quarter of a second of style work
before the first frame), and again after focus moves that change nothing it shows.
Over SSH each rebuild also repaints the whole footer row.

Under 100 columns it leaves out « ^p palette » so that « q Quitter » fits; the help
screen (?) lists the palette key.
"""

from __future__ import annotations

from typing import Any

from textual.events import Resize
from textual.widgets import Footer as TextualFooter

PALETTE_MIN_WIDTH = 100


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

    def on_resize(self, event: Resize) -> None:
        wide = event.size.width >= PALETTE_MIN_WIDTH
        if wide != self.show_command_palette:
            self.show_command_palette = wide
            if self._shown is not None:  # already built: build again without it
                self.call_after_refresh(self.recompose)

    def _signature(self) -> tuple[object, ...]:
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
            if binding.show
        )
        return (self.show_command_palette, self.compact, self.app.ENABLE_COMMAND_PALETTE, shown)

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        signature = self._signature()
        if signature == self._shown:
            return
        self._shown = signature
        await super().recompose()
