"""Textual's Footer, recomposed only when what it shows has changed.

Textual's Footer rebuilds all its keys on every "bindings updated" signal: seven times
while the mailbox starts (11 keys each, about a quarter of a second of style work
before the first frame), and again after focus moves that change nothing it shows.
Over SSH each rebuild also repaints the whole footer row.

Under 100 columns it leaves out « Ctrl+P palette » so that « q Quitter » fits; the help
screen (?) lists the palette key. Keys are named as on the keyboard, in the user's
language (« Échap », « Ctrl+S »: tui/keys.py), whatever App hosts the screen. When the
keys do not all fit, whole keys are left out rather than one cut mid-word (« ? Ai »).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.events import Resize
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from tui.keys import key_name

PALETTE_MIN_WIDTH = 100
# Kept when keys must be left out: the way back, and the key that lists all the others.
KEPT_KEYS = {"escape"}
KEPT_ACTIONS = {"help", "app.help"}


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None

    def on_resize(self, event: Resize) -> None:
        wide = event.size.width >= PALETTE_MIN_WIDTH
        if wide != self.show_command_palette:
            self.show_command_palette = wide
        if self._shown is not None:  # already built: without the palette, or other keys
            self.call_after_refresh(self.recompose)

    def _signature(self) -> tuple[object, ...]:
        bindings = self.screen.active_bindings
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in bindings.values()
            if binding.show
        )
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
        return (palette, self.compact, shown, self._left_out(bindings))

    def _left_out(self, bindings: Mapping[str, ActiveBinding]) -> frozenset[str]:
        """The actions whose keys do not fit whole at this width: from the left, each key
        that fits is kept, once room is made for Échap and the help key."""
        extra = 2 if self.compact else 3  # the paddings around key and description
        first: dict[str, tuple[int, bool]] = {}
        for _node, binding, _enabled, _tooltip in bindings.values():
            if binding.show and binding.action not in first:
                size = cell_len(key_name(binding.key)) + cell_len(binding.description) + extra
                kept = binding.key in KEPT_KEYS or binding.action in KEPT_ACTIONS
                first[binding.action] = (size, kept)
        room = self.size.width or self.app.size.width
        palette = bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and palette:
            key = key_name(palette.binding.key)
            room -= cell_len(key) + cell_len(palette.binding.description) + extra + 1
        room -= sum(size for size, kept in first.values() if kept)
        left_out: set[str] = set()
        for action, (size, kept) in first.items():
            if kept:
                continue
            if size <= room:
                room -= size
            else:
                left_out.add(action)
        return frozenset(left_out)

    def compose(self) -> ComposeResult:
        left_out = self._left_out(self.screen.active_bindings)
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                if widget.action in left_out and not widget.has_class("-grouped"):
                    continue
                # FooterKey.key is the key in force (the user's keymap applied by Textual).
                widget.key_display = key_name(widget.key)
            yield widget

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        signature = self._signature()
        if signature == self._shown:
            return
        self._shown = signature
        await super().recompose()
