"""Keys typed ahead go where they were typed for (issue #24).

Over SSH, fast typing and pastes arrive as one burst. Textual hands every key to the
widget focused *when the key is read*, and runs a non-priority binding only once the
key has bubbled back up to the app, behind the rest of the burst: `s` followed by a
path sent the path to the message list before the save dialog existed, and a dialog
takes its focus a moment after it is shown. Two rules fix both:

- Outside a text field, a key's binding runs when the key is read, so a key that opens
  a dialog or moves the focus does it before the next key is handed out. A text field
  (Input, TextArea) gets its keys as before: it handles them itself.
- While a screen that a key opened is still being built or has not taken its focus
  yet, keys wait, in order, and are handed out once it is ready (at most
  HOLD_SECONDS). A screen nobody asked for (a certificate or password prompt after a
  connection) never gets keys typed before it showed: they were meant for the mailbox,
  and « o » or « t » there would accept a certificate.

Both lean on `App._check_bindings`, private to Textual 8: tests/test_typeahead.py and
the burst tests of compose and mailbox guard them.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Input, TextArea

if TYPE_CHECKING:
    from textual.screen import Screen

HOLD_SECONDS = 1.0  # a screen not ready by then gets the keys anyway
_POLL_SECONDS = 0.01


class TypeAhead:
    """Mixin for the App: see the module docstring."""

    _typeahead_held: deque[tuple[events.Key, float]]
    # time.monotonic() when the key being handled reached the app (a held key keeps the
    # time it came): a prompt can tell a key typed before it was shown.
    typeahead_key_time: float | None = None
    _typeahead_since: float
    # Screens that were ready once: never waited for again, whatever their focus does
    # later (a focused widget removed leaves the focus empty: keys must not lag then).
    _typeahead_settled: weakref.WeakSet[Screen[Any]]
    # Screens a key opened: the only ones keys are held for.
    _typeahead_opened: weakref.WeakSet[Screen[Any]]

    async def on_event(self, event: events.Event) -> None:
        app: Any = self
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)  # type: ignore[misc]
            return
        held = self.__dict__.setdefault("_typeahead_held", deque())
        if held or not self._typeahead_ready():
            if not held:
                self._typeahead_since = time.monotonic()
                app.set_timer(_POLL_SECONDS, self._typeahead_release)
            held.append((event, time.monotonic()))
            return
        self.typeahead_key_time = time.monotonic()
        if await self._typeahead_bound(event):
            return
        await super().on_event(event)  # type: ignore[misc]

    async def _typeahead_bound(self, event: events.Key) -> bool:
        """Run the key's binding now unless a text field has the focus."""
        app: Any = self
        focused = app.focused
        if isinstance(focused, Input | TextArea) or app.screen.maximized is not None:
            return False
        screen = app.screen
        ran = await app._check_bindings(event.key, priority=True)
        if not ran and await app._check_bindings(event.key):
            app.app_focus = True
            ran = True
        if ran and app.screen is not screen:
            self.__dict__.setdefault("_typeahead_opened", weakref.WeakSet()).add(app.screen)
        return bool(ran)

    async def _typeahead_release(self) -> None:
        """Hand the held keys out in order once the screen is ready (or it took too
        long); a key that opens another screen holds the rest again."""
        app: Any = self
        held: deque[tuple[events.Key, float]] = self._typeahead_held
        while held:
            if not self._typeahead_ready():
                if time.monotonic() - self._typeahead_since < HOLD_SECONDS:
                    app.set_timer(_POLL_SECONDS, self._typeahead_release)
                    return
                self._typeahead_settled.add(app.screen)  # too slow: not waited for again
            event, self.typeahead_key_time = held.popleft()
            self._typeahead_since = time.monotonic()  # a screen this key opens waits anew
            if await self._typeahead_bound(event):
                continue
            await super().on_event(event)  # type: ignore[misc]

    def _typeahead_ready(self) -> bool:
        """The screen on top is built, and focused if anything on it can take the
        focus; or it was so once."""
        app: Any = self
        screen = app.screen
        settled = self.__dict__.setdefault("_typeahead_settled", weakref.WeakSet())
        opened = self.__dict__.setdefault("_typeahead_opened", weakref.WeakSet())
        if screen in settled or screen not in opened:
            return True
        if not screen.is_mounted:
            return False
        if screen.focused is None and any(w.focusable for w in screen.focus_chain):
            return False
        settled.add(screen)
        return True
