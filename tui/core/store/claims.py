"""Who is sending which outbox row: claims in the user's store, so a message goes out
at most once (issue #15).

Each `send_pending` call is an attempt with a token of its own (`new_claim`). It claims
rows atomically (`claim`), and every later change of a row it holds is a compare-and-
set on (owner, status) (`settle`), so no attempt — of this process or another one, on
this machine or one sharing the home folder — ever acts on a row another one holds. A
row whose attempt died is settled by `recover_interrupted`: queued again if DATA had
not begun, else « envoi incertain » (tui/core/store/outbox.py says what that means).
"""

from __future__ import annotations

import os
import socket
import time
import uuid

from tui.core.store.cache import Cache
from tui.core.store.outbox import HELD, IN_DATA, QUEUED, SENDING, UNCERTAIN, uncertain_reason

OTHER_HOST_CLAIM_SECONDS = 15 * 60  # past the 10-min DATA wait: the other machine died


def owner_id() -> str:
    """This process, as a claim names it: host, pid and the pid's start time (so a
    reused pid is not taken for the process that died)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid())}"


_LIVE_CLAIMS: set[str] = set()  # this process's attempts still running


def new_claim() -> str:
    """One sending attempt's token: its process, and a nonce of its own, so that two
    attempts in one process never act on each other's rows; and when it was taken.
    Live until `end_claim`: a row a finished attempt of this very process left behind
    is then recovered like a dead process's."""
    token = f"{owner_id()}:{uuid.uuid4().hex}:{int(time.time())}"
    _LIVE_CLAIMS.add(token)
    return token


def end_claim(token: str) -> None:
    _LIVE_CLAIMS.discard(token)


def _started(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def _alive(owner: str) -> bool:
    """Might the attempt named by this claim still be sending? Wrong answers must err
    towards "alive": a live sender judged dead is a message sent twice."""
    parts = owner.split(":")
    if len(parts) < 3:
        return False  # written before claims named their owner: no one holds it now
    host, pid_text, started = parts[0], parts[1], parts[2]
    if host != socket.gethostname():
        # Another machine sharing this home folder: alive until its claim is older
        # than any send can take.
        claimed = int(parts[4]) if len(parts) > 4 and parts[4].isdigit() else 0
        return time.time() - claimed < OTHER_HOST_CLAIM_SECONDS
    if pid_text == str(os.getpid()) and started == _started(os.getpid()):
        return owner in _LIVE_CLAIMS  # ours: alive only while that attempt runs
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except ValueError:
        return False
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    now_started = _started(pid)
    return not started or not now_started or now_started == started


def claim(cache: Cache, outbox_id: int, token: str, *, include_held: bool = False) -> bool:
    """Take this row for the attempt `token`, atomically in the store; False if another
    attempt (of any process) holds it, or it is not waiting to be sent."""
    statuses = (QUEUED, HELD) if include_held else (QUEUED, QUEUED)
    with cache.transaction() as db:
        cursor = db.execute(
            "UPDATE outbox SET status = ?, owner = ? WHERE id = ? AND status IN (?, ?)",
            (SENDING, token, outbox_id, *statuses),
        )
        return cursor.rowcount == 1


def settle(
    cache: Cache, outbox_id: int, token: str, expected: str, status: str, error: str = ""
) -> bool:
    """Move a claimed row on, only if this attempt still holds it in `expected` state
    (compare and set): a row given up and claimed by another attempt is left alone."""
    with cache.transaction() as db:
        cursor = db.execute(
            "UPDATE outbox SET status = ?, last_error = ? "
            "WHERE id = ? AND owner = ? AND status = ?",
            (status, error[:1000], outbox_id, token, expected),
        )
        return cursor.rowcount == 1


def settle_removed(cache: Cache, outbox_id: int, token: str, expected: str) -> bool:
    with cache.transaction() as db:
        cursor = db.execute(
            "DELETE FROM outbox WHERE id = ? AND owner = ? AND status = ?",
            (outbox_id, token, expected),
        )
        return cursor.rowcount == 1


def recover_interrupted(cache: Cache) -> list[int]:
    """Rows a dead attempt left mid-send: back to the queue if DATA had not begun,
    else « envoi incertain » (never resent by itself). Returns the rows it has just
    made uncertain (to be announced once; `uncertain_rows` lists them all)."""
    converted: list[int] = []
    with cache.transaction() as db:
        rows = db.execute(
            "SELECT id, status, owner FROM outbox WHERE status IN (?, ?)", (SENDING, IN_DATA)
        ).fetchall()
        for outbox_id, status, owner in rows:
            if _alive(str(owner or "")):
                continue
            if status == IN_DATA:
                changed = db.execute(
                    "UPDATE outbox SET status = ?, owner = '', last_error = ? "
                    "WHERE id = ? AND status = ? AND owner = ?",
                    (UNCERTAIN, uncertain_reason(), outbox_id, status, owner),
                ).rowcount
                if changed:
                    converted.append(int(outbox_id))
            else:
                db.execute(
                    "UPDATE outbox SET status = ?, owner = '' "
                    "WHERE id = ? AND status = ? AND owner = ?",
                    (QUEUED, outbox_id, status, owner),
                )
        db.execute(
            "UPDATE outbox SET last_error = ? WHERE status = ? AND last_error = ''",
            (uncertain_reason(), UNCERTAIN),
        )
    return converted


def uncertain_rows(cache: Cache) -> list[int]:
    """Every message waiting for the user to say whether it left."""
    with cache.transaction() as db:
        found = db.execute("SELECT id FROM outbox WHERE status = ?", (UNCERTAIN,)).fetchall()
    return [int(row[0]) for row in found]
