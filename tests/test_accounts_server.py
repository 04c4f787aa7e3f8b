"""Two accounts in one app against two real beds (#20): synced side by side, one server
stopped without touching the other, a reply sent from the account that received it."""

from __future__ import annotations

import email
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tui.app import CourrielApp
from tui.config import load_config
from tui.config_write import add_account, save_config
from tui.core import secrets
from tui.screens.compose import ComposeScreen
from tui.screens.mailbox import MailboxScreen
from tui.widgets.folder_list import FolderList
from tui.widgets.message_list import MessageList

pytestmark = pytest.mark.server


def message(n: int, sender: str = "collegue@ac-dijon.fr") -> bytes:
    return (
        f"From: Collègue {n} <{sender}>\r\nSubject: Sujet {n}\r\n"
        f"Message-ID: <m{n}.{time.time_ns()}@ac-dijon.fr>\r\n"
        f"Date: Mon, 23 Nov 2026 09:{n:02d}:00 +0100\r\n\r\nCorps {n}.\r\n"
    ).encode()


def account(bed: Bed, user: User, **more: Any) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "imap_host": "localhost",
        "imap_port": bed.imap_port,
        "smtp_host": "localhost",
        "smtp_port": bed.smtp_port,
        "password_command": f"echo {user.password}",
        **more,
    }


def two_accounts(
    first: Bed, second: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, User, User]:
    """A config with one user of each bed, both beds' certificates trusted."""
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    bundle = tmp_path / "beds-ca.pem"
    bundle.write_bytes(
        b"".join(b.read_bytes() for b in (first.dovecot.cert, first.smtp.cert))
        + b"".join(b.read_bytes() for b in (second.dovecot.cert, second.smtp.cert))
    )
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    secrets.reset_session()
    one, two = first.new_user("perso"), second.new_user("college")
    path = tmp_path / "config.toml"
    save_config(path, {"account": account(first, one, label="Personnel")})
    add_account(path, account(second, two, label="Collège"))
    return path, one, two


async def wait_until(pilot: Any, condition: Callable[[], bool], timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.05)


def inbox_total(app: CourrielApp, index: int) -> int:
    folders = app.slots[index].account.cache.folders()
    return next((f.total for f in folders if f.name == "INBOX"), 0)


async def test_two_accounts_sync_side_by_side_and_one_down_leaves_the_other(
    bed: Bed, fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, one, two = two_accounts(bed, fresh_bed, tmp_path, monkeypatch)
    for n in (1, 2, 3):
        bed.dovecot.deliver(one.username, message(n))
    for n in (1, 2):
        fresh_bed.dovecot.deliver(two.username, message(n))
    app = CourrielApp.for_account(load_config(path))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: inbox_total(app, 0) == 3 and inbox_total(app, 1) == 2)
            # Each its own cache and durable store, side by side.
            caches = {slot.account.cache.path for slot in app.slots}
            stores = {slot.account.cache.durable_path for slot in app.slots}
            assert len(caches) == len(stores) == 2
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            messages = mailbox.query_one(MessageList)
            await wait_until(pilot, lambda: messages.total == 3)
            # The pane lists both accounts with their unread counts.
            rows = {row.label: row for row in app.rows()}
            assert rows["Personnel"].unread == 3 and rows["Collège"].unread == 2
            pane = mailbox.query_one(FolderList)
            await wait_until(pilot, lambda: pane.account_at(0) == 0)
            assert any(pane.account_at(i) == 1 for i in range(pane.option_count))

            # The second server goes away: only its account says so.
            fresh_bed.stop()
            second = app.slots[1]
            worker = second.session.worker if second.session is not None else None
            assert worker is not None and worker._conn is not None
            # The running imap process outlives Dovecot's master: cut the link here.
            assert worker._conn.client is not None
            worker._conn.client.socket().shutdown(socket.SHUT_RDWR)
            worker.sync_now()
            await wait_until(pilot, lambda: not second.account.online)
            await wait_until(pilot, lambda: "hors ligne" in second.link_base)
            assert app.slots[0].account.online
            assert "hors ligne" in {r.label: r for r in app.rows()}["Collège"].state
            assert "hors ligne" not in str(mailbox.status.state)

            # The first keeps syncing, and the screen keeps answering keys at once.
            bed.dovecot.deliver(one.username, message(4))
            await pilot.press("f5")
            await wait_until(pilot, lambda: messages.total == 4)
            before = messages.cursor
            started = time.monotonic()
            await pilot.press("j")
            assert messages.cursor == before + 1
            assert time.monotonic() - started < 1.0

            # Switching to the account that is down shows its cache, offline.
            app.call_later(app.show_account, 1)
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, MailboxScreen)
                    and app.screen.account is second.account
                    and app.screen.is_mounted
                ),
            )
            shown = app.screen
            await wait_until(pilot, lambda: shown.query_one(MessageList).total == 2)
    finally:
        app.close_account()


async def test_a_reply_leaves_from_the_account_that_received_the_message(
    bed: Bed, fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, one, two = two_accounts(bed, fresh_bed, tmp_path, monkeypatch)
    bed.dovecot.deliver(one.username, message(1))
    fresh_bed.dovecot.deliver(two.username, message(7, sender="parent@example.org"))
    app = CourrielApp.for_account(load_config(path))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: inbox_total(app, 1) == 1)
            app.call_later(app.show_account, 1)
            await wait_until(
                pilot,
                lambda: (
                    isinstance(app.screen, MailboxScreen)
                    and app.screen.account is app.slots[1].account
                    and app.screen.is_mounted
                ),
            )
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            messages = mailbox.query_one(MessageList)
            await wait_until(pilot, lambda: messages.total == 1)
            await pilot.press("enter")
            await wait_until(pilot, lambda: "Corps 7." in mailbox.reader.text)
            await pilot.press("r")
            await wait_until(pilot, lambda: isinstance(app.screen, ComposeScreen))
            compose = app.screen
            assert isinstance(compose, ComposeScreen)
            assert compose.identity.email == two.email
            assert compose.cache is app.slots[1].account.cache
            await pilot.press(*"Bien reçu.")
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: bool(fresh_bed.smtp.events("delivered")))
    finally:
        app.close_account()
    delivered = fresh_bed.smtp.events("delivered")
    assert [d["mail_from"] for d in delivered] == [two.email]
    assert [a["username"] for a in fresh_bed.smtp.events("auth") if a["success"]] == [two.username]
    assert not [e for e in bed.smtp.events("auth") if e.get("username") == one.username]
    sent = sorted(fresh_bed.smtp.outside.glob("*.eml"))
    assert len(sent) == 1
    parsed = email.message_from_bytes(sent[0].read_bytes())
    assert two.email in parsed["From"] and parsed["To"].endswith("<parent@example.org>")
    assert parsed["Subject"] == "Re: Sujet 7"


async def test_an_account_added_from_the_palette_syncs_beside_the_first(
    bed: Bed, fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« Ajouter un compte »: the setup screen in add mode, then both accounts open,
    the new one on screen and synced from its own server."""
    from textual.widgets import Button

    from tests.test_setup_screen import ASK_ONLY, fill
    from tui.screens.setup import SetupScreen

    path, one, _two = two_accounts(bed, fresh_bed, tmp_path, monkeypatch)
    path.write_text(path.read_text("utf-8").split("[[accounts]]")[0], encoding="utf-8")
    monkeypatch.setattr(secrets, "available_sources", lambda account, **kw: list(ASK_ONLY))
    added = fresh_bed.new_user("ajout")
    fresh_bed.dovecot.deliver(added.username, message(9))
    app = CourrielApp.for_account(load_config(path))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, MailboxScreen))
            assert len(app.slots) == 1
            app.call_later(app.action_add_account)
            await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen))
            await fill(
                pilot,
                label="Ajouté",
                username=added.username,
                email=added.email,
                password=added.password,
                imap_host="localhost",
                imap_port=str(fresh_bed.imap_port),
                smtp_host="localhost",
                smtp_port=str(fresh_bed.smtp_port),
            )
            app.screen.query_one("#test", Button).press()
            await wait_until(
                pilot, lambda: app.screen.query_one("#save", Button).variant == "success"
            )
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: len(app.slots) == 2)
            await wait_until(pilot, lambda: inbox_total(app, 1) == 1)
            shown = app.screen
            assert isinstance(shown, MailboxScreen) and shown.account is app.slots[1].account
            assert app.slots[0].config.account["username"] == one.username
    finally:
        app.close_account()
    assert load_config(path).accounts[1]["label"] == "Ajouté"
