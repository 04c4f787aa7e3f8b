"""Schema migrations of the cache and of the user's store, the same way for both.

A file records its schema version in a PRAGMA; the steps from there to the latest run
in one IMMEDIATE transaction, the version read again under the lock (another
connection, the UI's or the worker's, may have migrated while this one waited).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

Step = str | Callable[[sqlite3.Connection], None]


def migrate(db: sqlite3.Connection, schema: str, steps: Sequence[Step]) -> None:
    """Bring `schema` ("main", "durable") to version len(steps); a step is SQL (";"
    separated statements) or a function given the connection."""
    latest = len(steps)
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute(f"PRAGMA {schema}.user_version").fetchone()[0]
        for step in steps[version:]:
            if callable(step):
                step(db)
                continue
            for statement in step.split(";"):
                if statement.strip():
                    db.execute(statement)
        db.execute(f"PRAGMA {schema}.user_version = {latest}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
