"""The whole app against the real Dovecot: certificate prompt, sync, read, flag, new mail."""

from __future__ import annotations

import ssl
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from tests.conftest import Bed
from tui.app import CourrielApp
from tui.config import load_config
from tui.config_write import save_config
from tui.screens.certificate import CertificatePrompt
from tui.screens.mailbox import MailboxScreen
from tui.widgets.message_list import MessageList

pytestmark = pytest.mark.server


def message(n: int) -> bytes:
    return (
        f"From: Collègue {n} <c{n}@ac-dijon.fr>\r\nSubject: Sujet {n}\r\n"
        f"Date: Mon, 23 Nov 2026 09:{n:02d}:00 +0100\r\n\r\nCorps {n}.\r\n"
    ).encode()


def make_app(
    bed: Bed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[CourrielApp, str, str]:
    """A fresh account with `count` messages delivered, and the app on it; `settings`:
    more config sections (e.g. {"sync": {"idle": True}})."""
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    user = bed.new_user()
    for n in range(1, count + 1):
        bed.dovecot.deliver(user.username, message(n))
    path = tmp_path / "config.toml"
    save_config(
        path,
        {
            "account": {
                "username": user.username,
                "imap_host": "localhost",
                "imap_port": bed.imap_port,
                "smtp_host": "localhost",
                "smtp_port": bed.smtp_port,
                "password_command": f"echo {user.password}",
            },
            **(settings or {}),
        },
    )
    return CourrielApp.for_account(load_config(path)), user.username, user.password


async def wait_until(pilot, condition, timeout: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.05)


async def test_first_run_prompt_then_sync_read_and_flag(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, username, password = make_app(bed, tmp_path, monkeypatch, 5)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, CertificatePrompt))
            assert bed.dovecot.logins(username) == 0  # nothing sent before the decision
            await pilot.press("t")  # accept always
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            messages = mailbox.query_one(MessageList)
            await wait_until(pilot, lambda: messages.total == 5)
            row = messages.row(0)
            assert row is not None and row.subject == "Sujet 5"

            await pilot.press("enter")  # the body is fetched over IMAP
            await wait_until(pilot, lambda: "Corps 5." in reader_text(mailbox))
            await pilot.press("escape", "exclamation_mark")
            flagged_uid = messages.selected_uid
            assert flagged_uid is not None
            await wait_until(
                pilot,
                lambda: b"\\Flagged" in server_flags(bed, username, password).get(flagged_uid, ()),
            )
            assert b"\\Seen" in server_flags(bed, username, password)[flagged_uid]

            # New mail during the session appears without losing the selection.
            await pilot.press("down")
            selected = messages.selected_uid
            bed.dovecot.deliver(username, message(6))
            await pilot.press("f5")
            await wait_until(pilot, lambda: messages.total == 6)
            assert messages.selected_uid == selected
    finally:
        app.close_account()


def reader_text(mailbox: MailboxScreen) -> str:
    return mailbox.reader.text


def server_flags(bed: Bed, username: str, password: str) -> dict[int, tuple[bytes, ...]]:
    context = ssl.create_default_context(cafile=str(bed.dovecot.cert))
    with IMAPClient("localhost", port=bed.imap_port, ssl=True, ssl_context=context) as client:
        client.login(username, password)
        client.select_folder("INBOX", readonly=True)
        return {
            uid: data[b"FLAGS"]
            for uid, data in client.fetch(client.search("ALL"), ["FLAGS"]).items()
        }


async def test_first_run_without_an_account_opens_the_setup_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.screens.setup import SetupScreen

    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    app = CourrielApp.for_account(load_config(tmp_path / "absent.toml"))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, SetupScreen)
            assert not (tmp_path / "absent.toml").exists()  # nothing written until saved
    finally:
        app.close_account()


def server_count(bed: Bed, username: str, password: str, folder: str) -> int:
    context = ssl.create_default_context(cafile=str(bed.dovecot.cert))
    with IMAPClient("localhost", port=bed.imap_port, ssl=True, ssl_context=context) as client:
        client.login(username, password)
        return int(client.select_folder(folder, readonly=True)[b"EXISTS"])


async def test_delete_reaches_the_server_after_the_undo_window_and_undo_keeps_it(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui import session

    monkeypatch.setattr(session, "UNDO_SECONDS", 0.5)
    app, username, password = make_app(bed, tmp_path, monkeypatch, 3)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, CertificatePrompt))
            await pilot.press("t")
            messages = app.screen.query_one(MessageList)
            await wait_until(pilot, lambda: messages.total == 3)
            await pilot.press("d", "u")  # undone within the window: nothing sent
            await pilot.pause(1.0)
            assert server_count(bed, username, password, "INBOX") == 3
            await pilot.press("d")
            await wait_until(pilot, lambda: server_count(bed, username, password, "Corbeille") == 1)
            assert server_count(bed, username, password, "INBOX") == 2
    finally:
        app.close_account()


async def test_theme_picked_in_the_palette_is_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bed: Bed
) -> None:
    app, _username, _password = make_app(bed, tmp_path, monkeypatch, 0)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            app.theme = "contraste"
            await pilot.pause()
        assert load_config(tmp_path / "config.toml").ui["theme"] == "contraste"
    finally:
        app.close_account()
