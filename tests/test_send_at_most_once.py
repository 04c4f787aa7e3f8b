"""A message is sent at most once unless the user asks again (issues #15 and #24).

SMTP cannot give exactly-once: when DATA has gone out and no reply comes (the process
killed, the connection cut, a reply slower than the timeout), the message may or may
not have been delivered. courriel used to put such a row back in the queue, and the
next sync delivered another copy; two instances on one account could both send a row.
Now such a message is « envoi incertain »: never resent by itself, the user chooses.
Against the real SMTP bed, with its fault modes.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.test_smtp import account, identity, trust
from tui.core import outbox, smtp
from tui.core.cache import Cache
from tui.core.compose import Draft, build_message
from tui.core.smtp import send_pending

pytestmark = pytest.mark.server


def queue_one(bed: Bed, cache: Cache, subject: str = "Une seule fois") -> int:
    user = bed.user
    draft = Draft(to=bed.other.email, subject=subject, body="Bonjour.\n")
    return outbox.queue(cache, build_message(identity(user), draft))


def delivered(bed: Bed) -> int:
    return len(bed.smtp.events("delivered"))


def status(cache: Cache, outbox_id: int) -> str:
    return next(row.status for row in cache.outbox() if row.id == outbox_id)


async def send(bed: Bed, cache: Cache, tmp_path: Path, **kw: object) -> smtp.SendReport:
    user = bed.user
    return await send_pending(cache, account(bed, user), trust(bed, tmp_path), user.password, **kw)  # type: ignore[arg-type]


async def test_a_connection_cut_after_data_leaves_one_delivery_and_an_uncertain_row(
    fresh_bed: Bed, tmp_path: Path
) -> None:
    cache = Cache.open(tmp_path / "c.sqlite3")
    outbox_id = queue_one(fresh_bed, cache)
    fresh_bed.smtp.set_fault(drop_after_data=True)
    report = await send(fresh_bed, cache, tmp_path)
    assert report.sent == [] and report.uncertain == [outbox_id]
    assert status(cache, outbox_id) == outbox.UNCERTAIN
    assert delivered(fresh_bed) == 1
    fresh_bed.smtp.set_fault()
    again = await send(fresh_bed, cache, tmp_path)  # the next sync: nothing goes out
    assert again.sent == [] and delivered(fresh_bed) == 1
    outbox.retry(cache, outbox_id)  # the user asks: then, and only then, again
    asked = await send(fresh_bed, cache, tmp_path)
    assert [s.outbox_id for s in asked.sent] == [outbox_id] and delivered(fresh_bed) == 2
    cache.close()


async def test_a_slow_final_reply_is_awaited_not_resent(
    fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The final reply after the command timeout is still a success (RFC 5321
    4.5.3.2.6); past the DATA wait it is uncertain, never queued again."""
    cache = Cache.open(tmp_path / "c.sqlite3")
    first = queue_one(fresh_bed, cache, "Réponse lente")
    fresh_bed.smtp.set_fault(reply_delay=2.5)
    report = await send(fresh_bed, cache, tmp_path, timeout=1.0)
    assert [s.outbox_id for s in report.sent] == [first]

    monkeypatch.setattr(smtp, "DATA_REPLY_TIMEOUT", 1.0)
    second = queue_one(fresh_bed, cache, "Réponse trop lente")
    report = await send(fresh_bed, cache, tmp_path)
    assert report.uncertain == [second] and status(cache, second) == outbox.UNCERTAIN
    fresh_bed.smtp.set_fault()
    await send(fresh_bed, cache, tmp_path)
    assert delivered(fresh_bed) == 2  # each once
    cache.close()


async def test_a_process_killed_during_data_leaves_an_uncertain_row(
    bed: Bed, tmp_path: Path
) -> None:
    cache = Cache.open(tmp_path / "c.sqlite3")
    outbox_id = queue_one(bed, cache)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    host = outbox.owner_id().split(":", 1)[0]
    with cache.transaction() as db:  # as the killed process left it, DATA under way
        db.execute(
            "UPDATE outbox SET status = ?, owner = ? WHERE id = ?",
            (outbox.IN_DATA, f"{host}:{dead.stdout.strip()}:1", outbox_id),
        )
    before = delivered(bed)
    report = await send(bed, cache, tmp_path)
    assert report.uncertain == [outbox_id] and report.sent == []
    assert delivered(bed) == before
    row = next(r for r in cache.outbox() if r.id == outbox_id)
    assert row.status == outbox.UNCERTAIN and "peut-être parti" in row.last_error
    outbox.mark_sent(cache, outbox_id)  # the user checked: it did leave
    assert status(cache, outbox_id) == outbox.SENT
    assert outbox.pending(cache) == []
    cache.close()


async def test_two_instances_on_one_account_send_a_message_once(bed: Bed, tmp_path: Path) -> None:
    """Two SSH sessions: two connections to the same store, both sending at once."""
    path, store = tmp_path / "c.sqlite3", tmp_path / "store.sqlite3"
    one = Cache.open(path, durable_path=store)
    two = Cache.open(tmp_path / "other-cache.sqlite3", durable_path=store)
    outbox_id = queue_one(bed, one)
    before = delivered(bed)
    reports = await asyncio.gather(send(bed, one, tmp_path), send(bed, two, tmp_path))
    sent = [s.outbox_id for report in reports for s in report.sent]
    assert sent == [outbox_id]
    assert delivered(bed) == before + 1
    one.close()
    two.close()


async def test_two_sends_started_together_in_one_process_deliver_once(
    bed: Bed, tmp_path: Path
) -> None:
    cache = Cache.open(tmp_path / "c.sqlite3")
    ids = [queue_one(bed, cache, "Premier"), queue_one(bed, cache, "Second")]
    before = delivered(bed)
    reports = await asyncio.gather(send(bed, cache, tmp_path), send(bed, cache, tmp_path))
    sent = sorted(s.outbox_id for report in reports for s in report.sent)
    assert sent == ids
    assert delivered(bed) == before + 2
    cache.close()


async def test_the_outbox_says_uncertain_and_lets_the_user_choose(tmp_path: Path) -> None:
    from tests.test_compose_screen import Host
    from tui.screens.choice import Choice
    from tui.screens.outbox import OutboxChoice, OutboxScreen

    cache = Cache.open(tmp_path / "c.sqlite3")
    first = cache.add_outbox(
        b"From: a@ac-dijon.fr\r\nTo: b@ac-dijon.fr\r\nSubject: Peut-etre\r\n\r\nx\r\n"
    )
    outbox.set_status(cache, first, outbox.UNCERTAIN, outbox.uncertain_reason())
    app = Host(OutboxScreen(cache))
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "envoi incertain" in text and "peut-être parti" in text
        await pilot.press("r")  # resend asks first: it may arrive twice
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        await pilot.press("escape")
        await pilot.pause()
        assert status(cache, first) == outbox.UNCERTAIN
        await pilot.press("m")
        await pilot.pause()
    assert app.result == OutboxChoice("mark_sent", first)
    assert status(cache, first) == outbox.SENT
    cache.close()
