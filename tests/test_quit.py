"""Quitting never waits on the network (issue #15).

Against a server that accepts TCP and never finishes TLS, `q` froze the screen for 5 s
(`session.stop()` joined the worker), and the CLI's own stop waited 5 s more; after an
account switch the old worker's events still reached the new account.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app_helpers import demo_app
from tui.app import CourrielApp
from tui.config import load_config
from tui.config_write import save_config
from tui.screens.compose import ComposeScreen


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never says a word: a TLS handshake waits on it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(2)
    for conn in held:
        conn.close()
    listener.close()


def app_on(port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CourrielApp:
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    path = tmp_path / "config.toml"
    save_config(
        path,
        {
            "account": {
                "username": "prenom.nom",
                "imap_host": "127.0.0.1",
                "imap_port": port,
                "smtp_host": "127.0.0.1",
                "smtp_port": port,
                "password_command": "echo motdepasse",
            }
        },
    )
    return CourrielApp.for_account(load_config(path))


async def test_quit_returns_at_once_against_a_server_that_never_speaks_tls(
    silent_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_on(silent_server, tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        deadline = time.monotonic() + 10
        while app.session is None or app.session.worker is None:  # connecting: TLS hangs
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        await pilot.pause(0.3)
        started = time.monotonic()
        await pilot.press("q")
        await pilot.pause()
    app.close_account()  # what the CLI does after the app returns
    # A bound, not a benchmark: it used to take 5 s, then 5 s more.
    assert time.monotonic() - started < 2.0


def test_an_old_accounts_events_reach_no_one_after_it_stops(
    silent_server: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.core.account.contract import Notice

    app = app_on(silent_server, tmp_path, monkeypatch)
    session = app.session
    assert session is not None
    heard: list[object] = []
    session.post = heard.append
    session.stop()
    session.stop()  # twice, as the app and the CLI both do: nothing more
    session.post(Notice("après l'arrêt"))
    assert heard == []
    app.account.cache.close()


def tick_while_pruning(app: CourrielApp, monkeypatch: pytest.MonkeyPatch, tick: Any) -> list[bool]:
    """Run `tick` each time Textual has pruned a node at quit: the moment a timer firing
    finds its screen still in the stack with its widgets already gone."""
    ticks: list[bool] = []
    prune = app._prune

    async def prune_then_tick(*nodes: Any, parent: Any = None) -> None:
        await prune(*nodes, parent=parent)
        tick()
        ticks.append(True)

    monkeypatch.setattr(app, "_prune", prune_then_tick)
    return ticks


async def test_the_link_clock_ticking_while_the_screens_close_does_not_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CI caught it (stop 27): the 1-s link clock fired while Textual was pruning the
    mailbox at quit — its status bar already gone, the screen still in the stack — and
    the NoMatches ended the run with « courriel s'est arrêté à cause d'une erreur »."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            app._status("connecté")
            await pilot.pause()
            ticks = tick_while_pruning(app, monkeypatch, app._show_link)
        assert ticks  # the tick ran during the shutdown, and the run ended cleanly


async def test_the_screens_own_timers_firing_at_quit_do_not_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same race for the mailbox's timers (mark read after a delay, the debounced
    preview), which read widgets that are gone; the compose screen's autosave already
    kept the fields as last seen, and is checked here so it stays that way."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40)) as pilot:
            mailbox = app.screen
            await pilot.press("enter")
            await pilot.pause()
            assert mailbox.opened is not None
            folder, uid = mailbox.opened
            await pilot.press("c")
            await pilot.pause()
            compose = app.screen
            assert isinstance(compose, ComposeScreen)
            await pilot.press(*"brouillon")

            def timers() -> None:
                mailbox._mark_read(folder, uid)
                mailbox._preview(folder, uid)
                compose.autosave()

            ticks = tick_while_pruning(app, monkeypatch, timers)
        assert ticks
