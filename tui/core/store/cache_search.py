"""Search: the full-text index of summaries and bodies, and the results paged like a
folder (#22).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from tui.core.mail.summary import Summary
from tui.core.store.base import StoreBase
from tui.core.store.cache_messages import SUMMARY_COLUMNS_M, summary_from_row


def _matching(select: str, text: str, folder: str | None) -> tuple[str, list[Any]] | None:
    """`select` over the messages matching `text` (in `folder`, or all), with its
    parameters; None when the text holds nothing to search for."""
    query = _fts_query(text)
    if not query:
        return None
    sql = (
        f"{select} FROM search_index s JOIN messages m ON m.id = s.rowid WHERE search_index MATCH ?"
    )
    params: list[Any] = [query]
    if folder is not None:
        sql += " AND m.folder = ?"
        params.append(folder)
    return sql, params


def _fts_query(text: str) -> str:
    """User text as an FTS5 query: every word a quoted prefix term, all required."""
    terms = []
    for word in text.split():
        word = word.replace('"', '""').strip()
        if word:
            terms.append(f'"{word}"*')
    return " ".join(terms)


class SearchStore(StoreBase):
    """Searching the cache, and the table of the last search's results."""

    _RESULTS_JOIN = (
        "FROM temp.search_results r JOIN messages m ON m.folder = r.folder AND m.uid = r.uid"
    )

    def search(
        self, text: str, folder: str | None = None, limit: int | None = None
    ) -> list[Summary]:
        """Matching summaries, newest first: all of them unless `limit`. The mailbox
        pages through a search instead (`start_results`), whatever the count."""
        matched = _matching(f"SELECT {SUMMARY_COLUMNS_M}", text, folder)
        if matched is None:
            return []
        sql, params = matched
        sql += " ORDER BY m.sort_date DESC, m.uid DESC LIMIT ?"
        params.append(-1 if limit is None else limit)  # SQLite: a negative LIMIT is none
        try:
            rows = self._db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:
            return []
        return [summary_from_row(r) for r in rows]

    def _results_table(self) -> None:
        self._db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS search_results (pos INTEGER PRIMARY KEY, "
            "folder TEXT NOT NULL, uid INTEGER NOT NULL, sort_date INTEGER NOT NULL, "
            "UNIQUE (folder, uid))"
        )

    def start_results(self, text: str, folder: str | None = None) -> None:
        """Make every message matching `text` (in `folder`, or all) the results."""
        self.clear_results()
        matched = _matching(
            "INSERT OR IGNORE INTO temp.search_results (folder, uid, sort_date) "
            "SELECT m.folder, m.uid, m.sort_date",
            text,
            folder,
        )
        if matched is None:
            return
        sql, params = matched
        sql += " ORDER BY m.sort_date DESC, m.uid DESC, m.folder DESC"
        with suppress(sqlite3.OperationalError):  # as in `search`: unreadable text finds none
            self._db.execute(sql, params)

    def add_results(self, keys: Iterable[tuple[str, int]]) -> int:
        """Add cached messages, as (folder, uid), to the results; how many were new."""
        self._results_table()
        added = max(
            0,
            self._db.executemany(
                "INSERT OR IGNORE INTO temp.search_results (folder, uid, sort_date) "
                "SELECT folder, uid, sort_date FROM messages WHERE folder = ? AND uid = ?",
                keys,
            ).rowcount,
        )
        if added:
            self._number_results()
        return added

    def _number_results(self) -> None:
        """Number the results newest first again (after additions)."""
        db = self._db
        db.execute("DROP TABLE IF EXISTS temp.search_sorted")
        db.execute(
            "CREATE TEMP TABLE search_sorted AS SELECT folder, uid, sort_date "
            "FROM temp.search_results ORDER BY sort_date DESC, uid DESC, folder DESC"
        )
        db.execute("DELETE FROM temp.search_results")
        db.execute(
            "INSERT INTO temp.search_results (folder, uid, sort_date) "
            "SELECT folder, uid, sort_date FROM temp.search_sorted ORDER BY rowid"
        )
        db.execute("DROP TABLE temp.search_sorted")

    def clear_results(self) -> None:
        self._results_table()
        self._db.execute("DELETE FROM temp.search_results")

    def result_count(self) -> int:
        """Results still in the cache."""
        self._results_table()
        row = self._db.execute(f"SELECT COUNT(*) {self._RESULTS_JOIN}").fetchone()
        return int(row[0])

    def result_page(self, offset: int, limit: int) -> list[Summary]:
        """A page of the results, newest first."""
        self._results_table()
        rows = self._db.execute(
            f"SELECT {SUMMARY_COLUMNS_M} {self._RESULTS_JOIN} ORDER BY r.pos LIMIT ? OFFSET ?",
            (max(0, limit), max(0, offset)),
        ).fetchall()
        return [summary_from_row(r) for r in rows]

    def result_index(self, folder: str, uid: int) -> int | None:
        """Where a message is in `result_page`'s order; None if it is not a result."""
        self._results_table()
        row = self._db.execute(
            f"SELECT r.pos {self._RESULTS_JOIN} WHERE r.folder = ? AND r.uid = ?",
            (folder, uid),
        ).fetchone()
        if row is None:
            return None
        found = self._db.execute(
            f"SELECT COUNT(*) {self._RESULTS_JOIN} WHERE r.pos < ?",
            (row[0],),
        ).fetchone()
        return int(found[0])
