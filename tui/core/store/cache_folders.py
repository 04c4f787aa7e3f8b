"""The folders the server listed, their sync state and the quota."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tui.core.store.base import StoreBase
from tui.core.store.records import FolderRow, FolderState


class FolderStore(StoreBase):
    """Folders: what LIST said, what sync remembers of each, the quota."""

    # --- read API (the UI) --------------------------------------------------------

    def folders(self) -> list[FolderRow]:
        rows = self._db.execute(
            "SELECT name, delimiter, special_use, total, unread, flags FROM folders "
            "ORDER BY position, name"
        ).fetchall()
        return [
            FolderRow(r[0], r[1], r[2], r[3], r[4], tuple(r[5].split()) if r[5] else ())
            for r in rows
        ]

    def folder_row(self, name: str) -> FolderRow | None:
        for row in self.folders():
            if row.name == name:
                return row
        return None

    def special_folder(self, use: str) -> str | None:
        row = self._db.execute(
            "SELECT name FROM folders WHERE special_use = ? ORDER BY position LIMIT 1", (use,)
        ).fetchone()
        return str(row[0]) if row else None

    def quota(self) -> tuple[int, int] | None:
        value = self._meta("quota")
        if not value:
            return None
        used, limit = json.loads(value)
        return int(used), int(limit)

    def set_quota(self, quota: tuple[int, int] | None) -> None:
        self._set_meta("quota", json.dumps(list(quota)) if quota else None)

    def set_folders(self, rows: Sequence[FolderRow]) -> None:
        """Replace the folder list; folders gone from the server lose their messages."""
        with self.transaction() as db:
            known = {r[0] for r in db.execute("SELECT name FROM folders")}
            new = {r.name for r in rows}
            for gone in known - new:
                self._drop_folder_messages(gone)
                db.execute("DELETE FROM folders WHERE name = ?", (gone,))
            for position, row in enumerate(rows):
                db.execute(
                    "INSERT INTO folders (name, delimiter, special_use, flags, position) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "delimiter = excluded.delimiter, special_use = excluded.special_use, "
                    "flags = excluded.flags, position = excluded.position",
                    (row.name, row.delimiter, row.special_use, " ".join(row.flags), position),
                )

    def folder_state(self, name: str) -> FolderState:
        row = self._db.execute(
            "SELECT uidvalidity, uidnext, highestmodseq, messages, low_uid, high_uid "
            "FROM folders WHERE name = ?",
            (name,),
        ).fetchone()
        if row is None:
            return FolderState(name)
        return FolderState(name, *row)

    def set_folder_state(self, state: FolderState) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO folders (name) VALUES (?)", (state.name,))
            db.execute(
                "UPDATE folders SET uidvalidity = ?, uidnext = ?, highestmodseq = ?, "
                "messages = ?, low_uid = ?, high_uid = ? WHERE name = ?",
                (
                    state.uidvalidity,
                    state.uidnext,
                    state.highestmodseq,
                    state.messages,
                    state.low_uid,
                    state.high_uid,
                    state.name,
                ),
            )

    def _drop_folder_messages(self, folder: str) -> None:
        self._db.execute(
            "DELETE FROM search_index WHERE rowid IN (SELECT id FROM messages WHERE folder = ?)",
            (folder,),
        )
        self._db.execute("DELETE FROM messages WHERE folder = ?", (folder,))

    def drop_folder(self, folder: str) -> None:
        """Forget every message of a folder (its UIDVALIDITY changed)."""
        with self.transaction():
            self._drop_folder_messages(folder)
            self._db.execute(
                "UPDATE folders SET uidvalidity = NULL, uidnext = NULL, highestmodseq = NULL, "
                "messages = NULL, low_uid = NULL, high_uid = NULL, total = 0, unread = 0 "
                "WHERE name = ?",
                (folder,),
            )

    def folder_sizes(self) -> list[tuple[str, int]]:
        """(folder, bytes of its cached messages), the fullest first."""
        rows = self._db.execute(
            "SELECT folder, TOTAL(size) FROM messages GROUP BY folder ORDER BY 2 DESC"
        )
        return [(str(r[0]), int(r[1])) for r in rows]
