"""A deterministic courriel app for Pilot and snapshot tests: the demo mailbox at a fixed
time, in UTC, with no cursor blink."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from tui.account import Account
from tui.app import CourrielApp
from tui.core import formatting
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
