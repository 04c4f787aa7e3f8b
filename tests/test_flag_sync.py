"""Flag sync never materialises the folder (#22): memory follows what the server sent.

The budgets are tracemalloc peaks (Python allocations only, SQLite's own are not
counted) on a 20,000-message cache, with a wide margin. Measured there: the map of every
cached uid's flags cost 6.5 MiB (14 MiB with the whole-folder FLAGS pass without
CONDSTORE); now 6 KiB with CONDSTORE, 1.7 MiB (one window) without.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Bed
from tests.test_sync import scenario
from tui.core.account import sync as sync_module
from tui.core.account.sync import SyncEngine
from tui.core.mail.summary import Summary
from tui.core.net.imap import MailboxStatus
from tui.core.store.cache import Cache
from tui.core.store.records import FolderState

FOLDER_SIZE = 20_000
BUDGET = 3 * 1024 * 1024  # bytes of Python allocations at the peak of one sync


def summary(uid: int, flags: frozenset[str]) -> Summary:
    return Summary(
        folder="INBOX",
        uid=uid,
        date=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=uid),
        sender_name=f"Expéditeur {uid}",
        sender_address=f"exp{uid}@ac-dijon.fr",
        to="prenom.nom@ac-dijon.fr",
        subject=f"Sujet {uid}",
        size=1000,
        flags=flags,
        has_attachment=False,
        message_id=f"<{uid}@ac-dijon.fr>",
        in_reply_to="",
        references="",
    )


class Server:
    """Just what the incremental sync asks of a connection, over an in-memory folder.

    A unit stand-in for the memory budget only; the behaviour is checked against the
    real Dovecot by the tests below and in test_sync.py."""

    def __init__(self, flags: dict[int, frozenset[str]], *, condstore: bool) -> None:
        self.flags = flags
        self.condstore = condstore
        self.selected: str | None = None
        self.modseq = 100
        self.changed: dict[int, int] = {}  # uid -> modseq of its last change
        self.fetches: list[tuple[int, int | None, int | None]] = []

    def set(self, uid: int, flags: frozenset[str]) -> None:
        self.modseq += 1
        self.flags[uid] = flags
        self.changed[uid] = self.modseq

    def status_now(self) -> MailboxStatus:
        return MailboxStatus(
            uidvalidity=1,
            uidnext=max(self.flags) + 1,
            messages=len(self.flags),
            highestmodseq=self.modseq if self.condstore else None,
            unseen=sum("\\Seen" not in f for f in self.flags.values()),
        )

    def status(self, folder: str) -> MailboxStatus:
        return self.status_now()

    def select(self, folder: str) -> MailboxStatus:
        self.selected = folder
        return self.status_now()

    def unselect(self) -> bool:
        self.selected = None
        return True

    def fetch_uid_range(
        self, low: int, high: int | None, items: Sequence[str], *, changedsince: int | None = None
    ) -> dict[int, dict[bytes, Any]]:
        assert list(items) == ["FLAGS"]
        self.fetches.append((low, high, changedsince))
        top = high if high is not None else max(self.flags)
        if changedsince is not None:
            uids: Sequence[int] = sorted(
                u for u, m in self.changed.items() if m > changedsince and low <= u <= top
            )
        else:
            uids = range(low, top + 1)
        return {
            u: {b"FLAGS": tuple(f.encode() for f in self.flags[u])} for u in uids if u in self.flags
        }


def filled(tmp_path: Path, *, condstore: bool) -> tuple[SyncEngine, Server]:
    """A complete cache of FOLDER_SIZE messages, in step with the server."""
    flags = {u: frozenset({"\\Seen"}) for u in range(1, FOLDER_SIZE + 1)}
    server = Server(dict(flags), condstore=condstore)
    cache = Cache.open(tmp_path / "c.sqlite", check=False)
    cache.put_summaries(summary(u, f) for u, f in flags.items())
    status = server.status_now()
    cache.set_folder_state(
        FolderState(
            "INBOX",
            uidvalidity=1,
            uidnext=status.uidnext,
            highestmodseq=status.highestmodseq,
            messages=status.messages,
            low_uid=1,
            high_uid=status.uidnext,
        )
    )
    cache.set_counts("INBOX")
    return SyncEngine(server, cache), server  # type: ignore[arg-type]


def peak_of_sync(engine: SyncEngine, **kw: bool) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        result = engine.sync_folder("INBOX", **kw)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def test_remote_flag_change_with_condstore_reads_only_what_changed(tmp_path: Path) -> None:
    engine, server = filled(tmp_path, condstore=True)
    server.set(7, frozenset())  # another client: unread again
    server.set(19_000, frozenset({"\\Seen", "\\Flagged"}))
    server.set(12, frozenset({"\\Seen"}))  # touched, but the same flags in the end
    peak, result = peak_of_sync(engine)
    assert result.changed == 2 and result.removed == 0
    assert peak < BUDGET, f"{peak / 1024:.0f} KiB for one sync of {FOLDER_SIZE} messages"
    cache = engine.cache
    assert cache.summary("INBOX", 7).flags == frozenset()  # type: ignore[union-attr]
    assert cache.summary("INBOX", 19_000).flags == {"\\Seen", "\\Flagged"}  # type: ignore[union-attr]
    assert cache.unread("INBOX") == 1
    assert [f[2] for f in server.fetches] == [100]  # one CHANGEDSINCE fetch, nothing more


def test_flags_pass_without_condstore_walks_the_folder_in_windows(tmp_path: Path) -> None:
    engine, server = filled(tmp_path, condstore=False)
    server.set(3, frozenset())
    server.set(FOLDER_SIZE, frozenset({"\\Seen", "\\Answered"}))
    del server.flags[sync_module.FLAG_WINDOW]  # expunged, on a window's last UID
    del server.flags[sync_module.FLAG_WINDOW + 1]  # and on the next one's first
    peak, result = peak_of_sync(engine, thorough=True)
    assert (result.changed, result.removed) == (2, 2)
    assert peak < BUDGET, f"{peak / 1024:.0f} KiB for one sync of {FOLDER_SIZE} messages"
    assert engine.cache.count("INBOX") == FOLDER_SIZE - 2
    assert engine.cache.unread("INBOX") == 1
    assert len(server.fetches) > 1  # windows, not one answer for the whole folder
    ranges = [(low, high) for low, high, _ in server.fetches]
    covered = [u for low, high in ranges for u in range(low, (high or 0) + 1)]
    assert covered == list(range(1, FOLDER_SIZE + 1))  # each UID asked once, in order


@pytest.mark.server
def test_windowed_flags_pass_matches_the_server(
    bed_without_condstore: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows of 4 over 30 messages: flags, expunges and new mail come out as on the
    server, window edges included."""
    monkeypatch.setattr(sync_module, "FLAG_WINDOW", 4)
    scenario(bed_without_condstore, tmp_path, thorough=True)  # asserts against the server


@pytest.mark.parametrize("condstore", [True, False])
def test_a_sync_keeps_what_the_user_did_that_the_server_has_not_seen_yet(
    tmp_path: Path, condstore: bool
) -> None:
    """Issue #17: after reading and replying, the list showed « N R » while the server
    had \\Seen, until a second F5: a flag sync between the user's action and its replay
    wrote the server's older flags over it. Pending actions now apply on top."""
    from tui.core.store import actions

    engine, server = filled(tmp_path, condstore=condstore)
    actions.set_flags(engine.cache, "INBOX", [5], add=["\\Flagged"])  # not replayed yet
    actions.set_flags(engine.cache, "INBOX", [6], remove=["\\Seen"])
    server.set(5, frozenset({"\\Seen", "\\Answered"}))  # the reply's \Answered, say
    server.set(6, frozenset({"\\Seen", "\\Answered"}))
    server.set(7, frozenset({"\\Seen", "\\Answered"}))
    engine.sync_folder("INBOX")
    assert engine.cache.summary("INBOX", 5).flags == {"\\Seen", "\\Answered", "\\Flagged"}
    assert engine.cache.summary("INBOX", 6).flags == {"\\Answered"}
    assert engine.cache.summary("INBOX", 7).flags == {"\\Seen", "\\Answered"}
