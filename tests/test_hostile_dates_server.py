"""Issue #14 against the real Dovecot: a mailbox of impossible dates opens, lists, sorts,
threads, searches and reads, and still opens after a restart (it used to die right
after the first sync, then at every launch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import raw_client
from tests.test_app_server import reader_text, wait_until
from tests.test_hostile_dates import EDGE_DATES
from tests.test_mailbox_server import running, search
from tui.app import CourrielApp
from tui.config import load_config
from tui.screens.mailbox import MailboxScreen

pytestmark = pytest.mark.server


def dated(n: int, date: str) -> bytes:
    reply = "In-Reply-To: <date-0@ac-dijon.fr>\r\n" if n else ""
    return (
        f"From: Expéditeur {n} <x{n}@ac-dijon.fr>\r\nSubject: Datation {n}\r\n"
        f"Date: {date}\r\nMessage-ID: <date-{n}@ac-dijon.fr>\r\n{reply}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\nCorps daté {n}.\r\n"
    ).encode()


def deliver_edge_dates(bed: Bed, user: User) -> None:
    with raw_client(bed, user) as client:
        for n, date in enumerate(EDGE_DATES):
            client.append("INBOX", dated(n, date))


def screen(app: CourrielApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_mailbox_of_impossible_dates_works_and_survives_a_restart(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = len(EDGE_DATES)
    async with running(
        bed, tmp_path, monkeypatch, 0, before=deliver_edge_dates, inbox=count, size=(120, 40)
    ) as run:
        assert "Datation" in "\n".join(await run.screen())
        for _ in range(count):  # read every one
            await run.pilot.press("enter")
            await run.wait(lambda: "Corps daté" in reader_text(run.mailbox))
            await run.pilot.press("escape", "j")
        await run.pilot.press("t")  # threads
        await run.pilot.pause()
        assert "Datation" in "\n".join(await run.screen())
        await run.pilot.press("t")
        await search(run, "Datation", count)
        await run.pilot.press("enter")
        await run.wait(lambda: "Corps daté" in reader_text(run.mailbox))
        await run.pilot.press("escape", "escape")
        assert run.app.is_running
        config_path = run.app.config.path

    # The same account, the same cache: the next launch opens as well.
    app = CourrielApp.for_account(load_config(config_path))
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, MailboxScreen))
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            await wait_until(pilot, lambda: mailbox.messages.total == count)
            await wait_until(pilot, lambda: mailbox.status.last_sync is not None)
            assert "Datation" in screen(app)
            await pilot.press("G", "enter")
            await wait_until(pilot, lambda: "Corps daté" in reader_text(mailbox))
            assert app.is_running
    finally:
        app.close_account()


async def test_a_cache_with_damaged_pages_opens_and_rebuilds(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #15: overwriting a few pages of the cache crashed every launch with
    « database disk image is malformed » at the message list's first read, before the
    worker's check could set the file aside. The list now waits for the rebuild."""
    import random

    from tui.session import cache_path

    count = len(EDGE_DATES)
    async with running(
        bed, tmp_path, monkeypatch, 0, before=deliver_edge_dates, inbox=count
    ) as run:
        config = run.app.config
    path = cache_path(config)
    data = bytearray(path.read_bytes())
    chance = random.Random(3)
    for page in range(1, len(data) // 4096):  # every page but the header and schema
        data[page * 4096 : (page + 1) * 4096] = bytes(chance.randrange(256) for _ in range(4096))
    path.write_bytes(bytes(data))

    app = CourrielApp.for_account(load_config(config.path))
    try:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, MailboxScreen))
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            await wait_until(pilot, lambda: mailbox.messages.total == count, timeout=30)
            assert "Datation" in screen(app)
            assert app.is_running
    finally:
        app.close_account()
