"""Textual's Footer, recomposed only when what it shows has changed.

Textual's Footer rebuilds all its keys on every "bindings updated" signal: seven times
while the mailbox starts (11 keys each, about a quarter of a second of style work
before the first frame), and again after focus moves that change nothing it shows.
Over SSH each rebuild also repaints the whole footer row.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

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
