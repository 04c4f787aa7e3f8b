"""Work queued in the user's store: operations waiting for the server, the outbox and the
drafts (the `durable` database, attached: it survives the cache).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from tui.core.mail import dates
from tui.core.store.base import StoreBase
from tui.core.store.records import OutboxRow, PendingOp


def created_at(seconds: object) -> datetime:
    """When an outbox row was queued; a damaged value reads as the epoch, not a crash."""
    return dates.from_stored(seconds, 0) or datetime.fromtimestamp(0, UTC)


class QueueStore(StoreBase):
    """Pending operations, outbox and drafts."""

    # --- pending operations ---------------------------------------------------------

    def queue_op(self, kind: str, folder: str, uids: Iterable[int], **args: Any) -> int:
        cursor = self._db.execute(
            "INSERT INTO pending_ops (created, kind, folder, uids, args) VALUES (?, ?, ?, ?, ?)",
            (time.time(), kind, folder, json.dumps(list(uids)), json.dumps(args)),
        )
        return int(cursor.lastrowid or 0)

    def pending_ops(self) -> list[PendingOp]:
        rows = self._db.execute(
            "SELECT id, kind, folder, uids, args, attempts, last_error, created "
            "FROM pending_ops ORDER BY id"
        ).fetchall()
        return [
            PendingOp(r[0], r[1], r[2], tuple(json.loads(r[3])), json.loads(r[4]), r[5], r[6], r[7])
            for r in rows
        ]

    def finish_op(self, op_id: int) -> None:
        self._db.execute("DELETE FROM pending_ops WHERE id = ?", (op_id,))

    def fail_op(self, op_id: int, error: str) -> None:
        self._db.execute(
            "UPDATE pending_ops SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], op_id),
        )

    # --- outbox and drafts (schema used by the compose issue) -----------------------

    def add_outbox(self, raw: bytes) -> int:
        cursor = self._db.execute(
            "INSERT INTO outbox (created, raw) VALUES (?, ?)", (time.time(), raw)
        )
        return int(cursor.lastrowid or 0)

    def outbox(self) -> list[OutboxRow]:
        rows = self._db.execute(
            "SELECT id, created, raw, status, last_error FROM outbox ORDER BY id"
        ).fetchall()
        return [OutboxRow(r[0], created_at(r[1]), bytes(r[2]), r[3], r[4]) for r in rows]

    def drafts(self) -> list[OutboxRow]:
        rows = self._db.execute(
            "SELECT id, created, raw, status, last_error FROM drafts ORDER BY id"
        ).fetchall()
        return [OutboxRow(r[0], created_at(r[1]), bytes(r[2]), r[3], r[4]) for r in rows]
