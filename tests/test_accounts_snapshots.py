"""Snapshots with two accounts (#20), from the fixed-clock demo: the folder pane's
account rows at 80x24 and 120x40 (opened with b), and the compose screen's « De »."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from tests.app_helpers import FIXED_NOW
from tui.account import Account
from tui.app import CourrielApp
from tui.core.mail import formatting
from tui.demo import open_demo


@contextmanager
def two_accounts(monkeypatch: pytest.MonkeyPatch) -> Iterator[CourrielApp]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(formatting, "now", lambda: FIXED_NOW)
    with ExitStack() as stack:
        config, cache, folder = open_demo()
        stack.enter_context(folder)
        _config, other_cache, other_folder = open_demo()
        stack.enter_context(other_folder)
        config.account["label"] = "Académie"
        config.others = [
            dict(
                config.account,
                label="Collège",
                email="ce.0211234x@ac-dijon.fr",
                display_name="Secrétariat",
            )
        ]
        app = CourrielApp(
            config,
            Account(config, cache, demo=True),
            others=[(Account(config.for_account(1), other_cache, demo=True), None)],
        )
        yield app
        cache.close()
        other_cache.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_folder_pane_lists_the_accounts(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    with two_accounts(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, press=["b"])


def test_compose_offers_de(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    with two_accounts(monkeypatch) as app:
        assert snap_compare(app, terminal_size=(80, 24), press=["c"])
