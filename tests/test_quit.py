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

import pytest

from tui.app import CourrielApp
from tui.config import load_config, save_config


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
    from tui.core.worker import Notice

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
