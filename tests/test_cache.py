"""The SQLite cache: read API the UI uses, migrations, corruption, LRU, search."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from tui.core.mail.summary import Summary
from tui.core.store.cache import _MIGRATIONS, SCHEMA_VERSION, Cache
from tui.core.store.records import FolderRow


def make(folder: str, uid: int, *, day: int | None = None, **kw: object) -> Summary:
    date = None if day is None else datetime(2026, 1, 1, 8, 0, tzinfo=UTC) + timedelta(days=day)
    values: dict[str, object] = {
        "folder": folder,
        "uid": uid,
        "date": date,
        "sender_name": f"Expéditeur {uid}",
        "sender_address": f"exp{uid}@ac-dijon.fr",
        "to": "prenom.nom@ac-dijon.fr",
        "subject": f"Sujet {uid}",
        "size": 1000 + uid,
        "flags": frozenset(),
        "has_attachment": False,
        "message_id": f"<{uid}@ac-dijon.fr>",
        "in_reply_to": "",
        "references": "",
    }
    values.update(kw)
    return Summary(**values)  # type: ignore[arg-type]


def test_page_order_index_and_counts(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.set_folders([FolderRow("INBOX", "/", "inbox", 0, 0, ())])
    # Same date for 3 and 4: uid desc breaks the tie; a missing date sorts last.
    rows = [make("INBOX", 1, day=5), make("INBOX", 2, day=1), make("INBOX", 3, day=9)]
    rows += [make("INBOX", 4, day=9), make("INBOX", 5)]
    assert cache.put_summaries(rows) == 5
    assert cache.put_summaries(rows[:2]) == 0  # no duplicates
    assert cache.count("INBOX") == 5
    assert [s.uid for s in cache.page("INBOX", 0, 10)] == [4, 3, 1, 2, 5]
    assert [s.uid for s in cache.page("INBOX", 1, 2)] == [3, 1]
    assert [cache.index_of("INBOX", u) for u in (4, 3, 1, 2, 5)] == [0, 1, 2, 3, 4]
    assert cache.index_of("INBOX", 99) is None
    got = cache.summary("INBOX", 1)
    assert got == rows[0]
    assert got is not None and got.date is not None and got.date.tzinfo is not None
    cache.change_flags("INBOX", [1, 2], add=["\\Seen"])
    cache.set_counts("INBOX")
    (inbox,) = cache.folders()
    assert (inbox.total, inbox.unread) == (5, 3)


def test_date_keeps_its_offset(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    paris = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    cache.put_summaries([make("INBOX", 1, date=paris)])
    got = cache.summary("INBOX", 1)
    assert got is not None and got.date == paris and got.date.utcoffset() == timedelta(hours=1)


def test_corrupt_file_is_moved_aside_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"ceci n'est pas une base SQLite" * 200)
    cache = Cache.open(path)
    assert cache.notices and "cache" in cache.notices[0]
    assert list(tmp_path.glob("c.corrupt-*"))
    assert cache.count("INBOX") == 0
    cache.put_summaries([make("INBOX", 1, day=1)])
    cache.close()
    again = Cache.open(path)
    assert again.notices == [] and again.count("INBOX") == 1


def test_truncated_database_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = Cache.open(path)
    cache.put_summaries([make("INBOX", u, day=u) for u in range(1, 400)])
    cache.close()
    data = path.read_bytes()
    path.write_bytes(data[:4096] + b"\xff" * 8192 + data[12288:])
    rebuilt = Cache.open(path)
    assert rebuilt.notices
    assert rebuilt.count("INBOX") == 0


def test_schema_is_versioned(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Cache.open(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"messages", "folders", "bodies"} <= tables
    # What only the user has is not in the cache file, but in the user's store (#15).
    assert not {"pending_ops", "outbox", "drafts"} & tables
    with sqlite3.connect(tmp_path / "c.local.sqlite3") as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
    assert {"pending_ops", "outbox", "drafts"} <= tables


def test_a_version_1_cache_is_migrated_in_place(tmp_path: Path) -> None:
    """Users' caches from the first release keep their messages and gain the unread index."""
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(_MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
    cache = Cache.open(path)
    cache.put_summaries(
        [make("INBOX", u, day=u, flags=frozenset() if u % 3 else {"\\Seen"}) for u in range(1, 31)]
    )
    assert cache.unread("INBOX") == 20 and cache.count("INBOX") == 30
    cache.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM messages WHERE folder = ? AND seen = 0",
            ("INBOX",),
        ).fetchall()
    assert "messages_unseen" in str(plan)


def test_bodies_lru_within_budget(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite", body_budget=25_000)
    cache.put_summaries([make("INBOX", u, day=u) for u in range(1, 6)])
    for uid in (1, 2):
        cache.put_body("INBOX", uid, b"Subject: x\r\n\r\n" + b"a" * 10_000)
    assert cache.body("INBOX", 1) is not None  # touch 1: 2 is now least recently used
    cache.put_body("INBOX", 3, b"Subject: x\r\n\r\n" + b"b" * 10_000)
    assert cache.body("INBOX", 2) is None
    assert cache.body("INBOX", 1) is not None and cache.body("INBOX", 3) is not None
    assert cache.bodies_size() <= 25_000


def test_search_subject_address_body_accents(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries(
        [
            make("INBOX", 1, day=1, subject="Conseil de classe des élèves"),
            make("INBOX", 2, day=2, sender_address="direction@ac-dijon.fr"),
            make("Archives", 3, day=3, subject="Autre"),
        ]
    )
    cache.put_body(
        "Archives",
        3,
        b"Subject: Autre\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
        + "Réunion pédagogique".encode("latin-1"),
    )
    assert [s.uid for s in cache.search("eleves")] == [1]
    assert [s.uid for s in cache.search("direction")] == [2]
    assert [s.uid for s in cache.search("pédagogique")] == [3]
    assert cache.search("pédagogique", folder="INBOX") == []
    assert cache.search('"unbalanced AND (') == []  # hostile syntax is just words


def test_uidvalidity_drop_and_folder_removal(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.set_folders(
        [FolderRow("INBOX", "/", "inbox", 0, 0, ()), FolderRow("Vieux", "/", None, 0, 0, ())]
    )
    cache.put_summaries([make("INBOX", 1, day=1), make("Vieux", 1, day=1)])
    cache.drop_folder("INBOX")
    assert cache.count("INBOX") == 0 and cache.count("Vieux") == 1
    cache.set_folders([FolderRow("INBOX", "/", "inbox", 0, 0, ())])
    assert cache.count("Vieux") == 0
    assert [f.name for f in cache.folders()] == ["INBOX"]


def test_reader_thread_sees_writer_commits(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    reader = Cache.open(path)

    def write() -> None:
        writer = Cache.open(path)
        writer.put_summaries([make("INBOX", u, day=u) for u in range(1, 51)])
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    assert reader.count("INBOX") == 50


def test_pending_ops_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    cache = Cache.open(path)
    first = cache.queue_op("flags", "INBOX", [1, 2], add=["\\Seen"], remove=[])
    cache.queue_op("move", "INBOX", [3], target="Archives")
    cache.close()
    cache = Cache.open(path)
    ops = cache.pending_ops()
    assert [(o.kind, o.uids) for o in ops] == [("flags", (1, 2)), ("move", (3,))]
    assert ops[0].args == {"add": ["\\Seen"], "remove": []}
    cache.finish_op(first)
    assert [o.kind for o in cache.pending_ops()] == ["move"]
    assert cache.outbox() == [] and cache.quota() is None
    cache.set_quota((120, 102400))
    assert cache.quota() == (120, 102400)


def test_meta_values_survive_reopen_and_none_forgets(tmp_path: Path) -> None:
    from tui.core.store import outbox

    path = tmp_path / "c.sqlite"
    cache = Cache.open(path)
    assert outbox.size_limit(cache) is None
    outbox.remember_size_limit(cache, 26_214_400)
    cache.set_meta("other", "kept")
    cache.close()
    cache = Cache.open(path)
    assert outbox.size_limit(cache) == 26_214_400 and cache.meta("other") == "kept"
    outbox.remember_size_limit(cache, None)  # the server stopped announcing SIZE
    assert outbox.size_limit(cache) is None
    cache.set_meta("smtp_size_limit", "not a number")
    assert outbox.size_limit(cache) is None
    cache.close()
