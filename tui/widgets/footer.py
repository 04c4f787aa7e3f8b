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

import asyncio
from collections.abc import Mapping
from typing import Any

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.events import Resize
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from tui.keys import key_name

PALETTE_MIN_WIDTH = 100
# Kept when keys must be left out: the way back, and the key that lists all the others.
KEPT_KEYS = {"escape"}
KEPT_ACTIONS = {"help", "app.help"}


def _plain_key(widget: object) -> bool:
    return isinstance(widget, FooterKey) and not widget.has_class("-grouped")


def _identity(key: FooterKey) -> tuple[object, ...]:
    """What a key shows, but for being greyed: a key with the same identity is kept."""
    classes = tuple(sorted(key.classes - {"-disabled"}))
    return (key.key, key.key_display, key.description, key.action, classes, str(key.tooltip))


class SteadyKey(FooterKey):
    """A footer key drawn in the frame that lays it out.

    A new widget's first size is set through a reactive that asks for a second layout
    pass, and so a second frame: every change of the footer (« Échap Retour » shown on
    Enter, gone on Échap) went out twice, ~330 B at 80x24 and 25–35 ms before the last
    byte (#21). A key has nothing to scroll; its size needs no second pass."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class Footer(TextualFooter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[object, ...] | None = None
        # One rebuild at a time: a second one started while the first awaits its
        # mounts would work from children that are about to change.
        self._rebuilding = asyncio.Lock()

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
                widget = self._steady(widget)
            yield widget

    def _steady(self, key: FooterKey) -> FooterKey:
        """The key as a SteadyKey, named as on the keyboard (FooterKey.key is the key in
        force: the user's keymap applied by Textual), its `compact` given here: Textual
        binds it to the footer's and the binding sets it again once the key is
        mounted, which repaints the footer a second time (#21). The footer is rebuilt
        whenever it changes, so a binding is not needed."""
        steady = SteadyKey(
            key.key,
            key_name(key.key),
            key.description,
            key.action,
            disabled=key.has_class("-disabled"),
            tooltip=str(key.tooltip or ""),
            classes=" ".join(key.classes),
        )
        # Textual leaves the palette key unbound, compact whatever the footer is.
        compact = key.compact if key.has_class("-command-palette") else self.compact
        steady.set_reactive(FooterKey.compact, compact)
        steady.set_class(compact, "-compact")
        return steady

    def bindings_changed(self, screen: Screen[Any]) -> None:
        """Rebuilt at once, not after the next frame as Textual does: the keys change
        with the frame that opens or leaves a message, and are drawn with it (#21)."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_later(self.recompose)

    async def recompose(self) -> None:
        async with self._rebuilding:
            if not self.is_attached:
                return
            signature = self._signature()
            if signature == self._shown:
                return
            self._shown = signature
            keys = list(self.compose())
            if self.children and all(_plain_key(w) for w in [*keys, *self.children]):
                await self._update(keys)  # type: ignore[arg-type]  # all FooterKeys
            else:
                await super().recompose()  # grouped keys: rebuilt whole, as Textual does

    async def _update(self, keys: list[FooterKey]) -> None:
        """The keys shown now, keeping the ones already there: mounting and styling a
        key is most of a rebuild (py-spy: 22 % of the UI's work on Entrée, #21). One
        key appears (« Échap Retour ») or goes; a key greyed or not is restyled alone."""
        unused = {_identity(key): key for key in self.children if isinstance(key, FooterKey)}
        wanted: list[FooterKey] = []
        for key in keys:
            kept = unused.pop(_identity(key), None)
            if kept is None:
                wanted.append(key)
                continue
            if kept._disabled != key._disabled:
                kept._disabled = key._disabled
                kept.set_class(key._disabled, "-disabled")
            wanted.append(kept)
        with self.app.batch_update():  # one frame, not one per key removed or mounted
            if unused:
                await self.remove_children(list(unused.values()))
            for position, key in enumerate(wanted):
                if self._going():
                    return  # its screen is closing: what is mounted now is ignored
                if key.parent is None:
                    before = position if position < len(self.children) else None
                    await self.mount(key, before=before)
                elif self.children.index(key) != position:
                    self.move_child(key, before=position)

    def _going(self) -> bool:
        """Being removed with its screen (Textual ignores a mount then)."""
        return not self.is_attached or bool(getattr(self, "_pruning", False))
