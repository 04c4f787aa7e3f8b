"""A deterministic courriel app for Pilot and snapshot tests: the demo mailbox at a fixed
time, in UTC, with no cursor blink."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.app import App

from tui.account import Account
from tui.app import CourrielApp
from tui.core.mail import formatting
from tui.demo import open_demo

FIXED_NOW = datetime(2026, 11, 23, 13, 30, tzinfo=UTC)


@contextmanager
def demo_app(monkeypatch: pytest.MonkeyPatch) -> Iterator[CourrielApp]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(formatting, "now", lambda: FIXED_NOW)
    config, cache, folder = open_demo()
    with folder:
        yield CourrielApp(config, Account(config, cache, demo=True))
        cache.close()


BURST_KEYS = {
    "enter",
    "tab",
    "shift+tab",
    "escape",
    "backspace",
    "down",
    "up",
    "end",
    "ctrl+s",
    "right",
}


def burst(app: App[Any], *items: str) -> None:
    """Send keys as SSH delivers fast typing or a paste: all queued at once, none
    handled before the next arrives (Pilot.press waits for idle after each key).
    An item in BURST_KEYS is that key; any other item is text, typed character by
    character."""
    from textual import events
    from textual.keys import _character_to_key

    driver = app._driver
    assert driver is not None
    for item in items:
        if item in BURST_KEYS:
            keys: list[tuple[str, str | None]] = [(item, "\r" if item == "enter" else None)]
        else:
            keys = [(c if c.isalnum() else _character_to_key(c), c) for c in item]
        for name, char in keys:
            event = events.Key(name, char)
            event.set_sender(app)
            driver.send_message(event)


class Frames:
    """What the app would write to a terminal, frame by frame, in a headless test: the
    headless driver writes nothing, so each compositor update is rendered here as the
    real driver would render it. Bytes, not time: a test can hold a repaint budget."""

    def __init__(self, app: App[Any]) -> None:
        self.sizes: list[int] = []
        self._app = app

    def __enter__(self) -> Frames:
        app = self._app
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            from textual._compositor import CompositorUpdate

            if isinstance(renderable, CompositorUpdate):
                self.sizes.append(len(renderable.render_segments(app.console)))
            original(screen, renderable)

        app._display = display  # type: ignore[method-assign]
        self._original = original
        return self

    def __exit__(self, *_exc: object) -> None:
        self._app._display = self._original  # type: ignore[method-assign]

    @property
    def total(self) -> int:
        return sum(self.sizes)
