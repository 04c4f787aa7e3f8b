"""A message is sent at most once unless the user asks again (issues #15 and #24).

SMTP cannot give exactly-once: when DATA has gone out and no reply comes (the process
killed, the connection cut, a reply slower than the timeout), the message may or may
not have been delivered. courriel used to put such a row back in the queue, and the
next sync delivered another copy; two instances on one account could both send a row.
Now such a message is « envoi incertain »: never resent by itself, the user chooses.
Against the real SMTP bed, with its fault modes (aiosmtpd); the tests that need no
fault run against Postfix too (`submission`), counting what arrived over IMAP.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.test_smtp import account, identity, inbox, parse, trust
from tui.core.mail.compose import Draft, build_message
from tui.core.net import smtp
from tui.core.net.smtp import send_pending
from tui.core.store import claims, outbox
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server


def queue_one(bed: Bed, cache: Cache, subject: str = "Une seule fois", to: str = "") -> int:
    user = bed.user
    draft = Draft(to=to or bed.other.email, subject=subject, body="Bonjour.\n")
    return outbox.queue(cache, build_message(identity(user), draft))


def arrived(bed: Bed, user: User) -> list[str]:
    """The subjects in a recipient's INBOX, read back over IMAP once delivery is done."""
    return sorted(str(parse(raw)["Subject"]) for _uid, raw, _flags in inbox(bed, user))


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
    submission: Bed, tmp_path: Path
) -> None:
    bed = submission  # aiosmtpd, then Postfix: nothing of it reaches the server
    cache = Cache.open(tmp_path / "c.sqlite3")
    outbox_id = queue_one(bed, cache)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        text=True,
        capture_output=True,
        check=True,
    )
    host = claims.owner_id().split(":", 1)[0]
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


async def test_two_instances_on_one_account_send_a_message_once(
    submission: Bed, tmp_path: Path
) -> None:
    """Two SSH sessions: two connections to the same store, both sending at once."""
    bed, recipient = submission, submission.new_user()
    path, store = tmp_path / "c.sqlite3", tmp_path / "store.sqlite3"
    one = Cache.open(path, durable_path=store)
    two = Cache.open(tmp_path / "other-cache.sqlite3", durable_path=store)
    outbox_id = queue_one(bed, one, to=recipient.email)
    before = delivered(bed)
    reports = await asyncio.gather(send(bed, one, tmp_path), send(bed, two, tmp_path))
    sent = [s.outbox_id for report in reports for s in report.sent]
    assert sent == [outbox_id]
    assert delivered(bed) == before + 1
    assert arrived(bed, recipient) == ["Une seule fois"]
    one.close()
    two.close()


async def test_two_sends_started_together_in_one_process_deliver_once(
    submission: Bed, tmp_path: Path
) -> None:
    bed, recipient = submission, submission.new_user()
    cache = Cache.open(tmp_path / "c.sqlite3")
    ids = [queue_one(bed, cache, name, recipient.email) for name in ("Premier", "Second")]
    before = delivered(bed)
    reports = await asyncio.gather(send(bed, cache, tmp_path), send(bed, cache, tmp_path))
    sent = sorted(s.outbox_id for report in reports for s in report.sent)
    assert sent == ids
    assert delivered(bed) == before + 2
    assert arrived(bed, recipient) == ["Premier", "Second"]
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


# --- from the second review: claims are per attempt, and every change is compare-and-set


def queued_row(tmp_path: Path) -> tuple[Cache, int]:
    cache = Cache.open(tmp_path / "claims.sqlite3")
    return cache, cache.add_outbox(b"To: b@ac-dijon.fr\r\nSubject: x\r\n\r\nx\r\n")


def test_an_attempt_never_touches_a_row_another_attempt_claimed(tmp_path: Path) -> None:
    """One attempt gave a row back to the queue (a 4xx), a second claimed it; the first
    one's end used to put it back again, and a third sent it twice."""
    from tui.core.net.smtp import SendReport, _Attempt, _Failure

    cache, outbox_id = queued_row(tmp_path)
    first, second = _Attempt(cache, SendReport()), _Attempt(cache, SendReport())
    assert [r.id for r in first.claim(cache.outbox(), False)] == [outbox_id]
    assert second.claim(cache.outbox(), False) == []  # held by the first
    first.fail(outbox_id, _Failure("temporary", "4xx"))
    assert [r.id for r in second.claim(cache.outbox(), False)] == [outbox_id]
    first.release(outbox_id)  # the first attempt ends: the row is not its any more
    assert status(cache, outbox_id) == outbox.SENDING
    with pytest.raises(_Failure):
        first.into_data(outbox_id)  # nor may it start DATA on it
    second.into_data(outbox_id)
    assert status(cache, outbox_id) == outbox.IN_DATA
    cache.close()


def test_a_sender_whose_start_time_is_unknown_counts_as_alive() -> None:
    import os
    import socket
    import time

    host = socket.gethostname()
    assert claims._alive(f"{host}:{os.getpid()}::nonce:{int(time.time())}")
    assert not claims._alive(f"{host}:999999999:1:nonce:{int(time.time())}")
    assert claims._alive(f"ailleurs:1:1:nonce:{int(time.time())}")  # another machine, recent
    assert not claims._alive(f"ailleurs:1:1:nonce:{int(time.time()) - 3600}")  # long gone


def test_a_message_being_sent_cannot_be_abandoned_nor_edited(tmp_path: Path) -> None:
    cache, outbox_id = queued_row(tmp_path)
    claims.claim(cache, outbox_id, claims.new_claim())
    assert outbox.discard(cache, outbox_id) is False
    assert outbox.to_draft(cache, outbox_id) is None
    assert status(cache, outbox_id) == outbox.SENDING
    cache.close()


def test_an_old_versions_sending_row_becomes_uncertain_not_queued(tmp_path: Path) -> None:
    """Before claims, "sending" also covered DATA: such a row may have left."""
    import sqlite3

    from tests.test_durable_store import old_cache

    path = tmp_path / "cache" / "c.sqlite3"
    old_cache(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE outbox SET status = 'sending' WHERE id = 1")
    db.close()
    cache = Cache.open(path, durable_path=tmp_path / "data" / "c.sqlite3")
    assert status(cache, 1) == outbox.UNCERTAIN
    assert not claims.claim(cache, 1, claims.new_claim())
    assert claims.uncertain_rows(cache) == [1]
    cache.close()


def test_the_worker_settles_an_interrupted_send_when_it_starts(tmp_path: Path) -> None:
    """Offline too: a row a crash left in DATA is « envoi incertain » at once, and said."""
    from tests.test_durable_store import offline_worker
    from tests.test_worker import Events
    from tui.core.account.contract import Notice

    cache, outbox_id = queued_row(tmp_path)
    host = claims.owner_id().split(":", 1)[0]
    with cache.transaction() as db:
        db.execute(
            "UPDATE outbox SET status = ?, owner = ? WHERE id = ?",
            (outbox.IN_DATA, f"{host}:999999999:1:nonce:1", outbox_id),
        )
    cache.close()
    events = Events()
    worker = offline_worker(tmp_path / "claims.sqlite3", events)
    worker.start()
    notice = events.wait_for(lambda e: isinstance(e, Notice), timeout=20)
    assert isinstance(notice, Notice) and "Envoi incertain" in notice.text
    worker.stop()
    cache = Cache.open(tmp_path / "claims.sqlite3")
    assert status(cache, outbox_id) == outbox.UNCERTAIN
    cache.close()


def test_a_row_left_by_a_finished_attempt_of_this_process_is_recovered(tmp_path: Path) -> None:
    """Third review: a row an attempt of this very process left in 'sending' (its
    store closed under it) counted as alive for the whole session."""
    cache, outbox_id = queued_row(tmp_path)
    token = claims.new_claim()
    assert claims.claim(cache, outbox_id, token)
    assert claims.recover_interrupted(cache) == []  # still running: left alone
    assert status(cache, outbox_id) == outbox.SENDING
    claims.end_claim(token)  # the attempt ended without settling it
    claims.recover_interrupted(cache)
    assert status(cache, outbox_id) == outbox.QUEUED
    cache.close()


async def test_only_this_attempts_uncertain_rows_are_reported(
    submission: Bed, tmp_path: Path
) -> None:
    """Third review: every send repeated the warning for an old uncertain row."""
    bed = submission
    cache = Cache.open(tmp_path / "c.sqlite3")
    old = queue_one(bed, cache, "Ancien incertain")
    outbox.set_status(cache, old, outbox.UNCERTAIN, "x")
    queue_one(bed, cache, "Nouveau")
    report = await send(bed, cache, tmp_path)
    assert len(report.sent) == 1 and report.uncertain == []
    cache.close()
