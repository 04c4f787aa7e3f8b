"""The sync engine against the real Dovecot: first sync, increments, resets, offline work."""

from __future__ import annotations

import base64
import socket
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import (
    connection,
    engine,
    message,
    raw_client,
    seed,
    server_snapshot,
    snapshot,
)
from tui.core.account.special_folders import special_uses
from tui.core.account.sync import SyncEngine
from tui.core.errors import ConnectionLost
from tui.core.mail.summary import decode_header, parse_summary
from tui.core.net.imap import ListedFolder
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server


def test_decode_header_strips_controls_and_decodes() -> None:
    assert decode_header("=?utf-8?q?R=C3=A9union_de_rentr=C3=A9e?=") == "Réunion de rentrée"
    assert decode_header("=?iso-8859-1?q?=80_pour_l'=E9l=E8ve?=") == "€ pour l'élève"
    hostile = decode_header("=?utf-8?b?" + "G1szMW1yb3VnZQdcdTIwMmU=" + "?= fin\r\n x")
    assert "\x1b" not in hostile and "\x07" not in hostile and "\n" not in hostile
    assert decode_header("Caf\udcc3\udca9") == "Café"  # raw 8-bit UTF-8 in a header
    assert decode_header(None) == ""


def test_parse_summary_reads_headers_and_attachment() -> None:
    data = {
        b"FLAGS": (b"\\Seen",),
        b"RFC822.SIZE": 1234,
        b"BODY[HEADER.FIELDS (DATE FROM)]": message(
            5, "=?utf-8?q?=C3=89l=C3=A8ves?=", attachment=True
        ),
    }
    s = parse_summary("INBOX", 5, data)
    assert (s.sender_name, s.sender_address) == ("Expéditeur 5", "exp5@ac-dijon.fr")
    assert s.subject == "Élèves" and s.has_attachment and s.flags == frozenset({"\\Seen"})
    assert s.date is not None and s.date.utcoffset() is not None and s.size == 1234
    assert s.message_id == "<m5@ac-dijon.fr>"


def test_special_use_flags_then_name_fallbacks() -> None:
    listed = [
        ListedFolder("INBOX", "/", ()),
        ListedFolder("Sent Items", "/", ()),
        ListedFolder("Corbeille", "/", ("\\Trash",)),
        ListedFolder("Vieux/Trash", "/", ()),
        ListedFolder("Brouillons", "/", ()),
        ListedFolder("Spam", "/", ()),
    ]
    assert special_uses(listed) == {
        "INBOX": "inbox",
        "Sent Items": "sent",
        "Corbeille": "trash",
        "Brouillons": "drafts",
        "Spam": "junk",
    }


def test_first_sync_newest_page_then_backfill(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 250)
    progress: list[tuple[str, int, int]] = []
    sync = engine(bed, user, tmp_path / "c.sqlite", first_page=100, chunk=60)
    sync.on_progress = lambda *a: progress.append(a)
    folders = {f.name: f for f in sync.sync_folders()}
    assert folders["INBOX"].special_use == "inbox" and folders["Envoyés"].special_use == "sent"
    assert (
        folders["Corbeille"].special_use == "trash" and folders["Archives"].special_use == "archive"
    )
    assert sync.cache.quota() is not None
    result = sync.sync_folder("INBOX")
    assert result.backfill_remaining and result.new == 100
    assert [s.uid for s in sync.cache.page("INBOX", 0, 3)] == [250, 249, 248]
    assert sync.cache.count("INBOX") == 100
    steps = 0
    while sync.backfill_step("INBOX"):
        steps += 1
    assert steps >= 2 and sync.cache.count("INBOX") == 250
    assert snapshot(sync.cache) == server_snapshot(bed, user)
    assert progress[-1] == ("INBOX", 250, 250)
    (inbox,) = [f for f in sync.cache.folders() if f.name == "INBOX"]
    assert (inbox.total, inbox.unread) == (250, 250)
    assert sync.sync_folder("INBOX").unchanged
    sync.conn.close()


def scenario(bed: Bed, tmp_path: Path, *, thorough: bool) -> list[tuple[int, str, tuple[str, ...]]]:
    """New mail, flags changed and messages expunged by another client, then a resync."""
    user = bed.new_user()
    seed(bed, user, 30)
    sync = engine(bed, user, tmp_path / f"{user.username}.sqlite", first_page=10, chunk=10)
    sync.sync_folders()
    sync.sync_folder("INBOX")
    sync.backfill("INBOX")
    with raw_client(bed, user) as other:
        other.select_folder("INBOX")
        other.add_flags([1, 2, 3], [b"\\Seen"])
        other.add_flags([4], [b"\\Flagged"])
        other.delete_messages([7, 8, 25])
        other.expunge()
    bed.dovecot.deliver(user.username, message(31, "Arrivé pendant la session"))
    result = sync.sync_folder("INBOX", thorough=thorough)
    assert result.new == 1 and result.removed == 3 and result.changed == 4
    assert snapshot(sync.cache) == server_snapshot(bed, user)
    # Flags changed again, nothing else: still seen.
    with raw_client(bed, user) as other:
        other.select_folder("INBOX")
        other.remove_flags([1], [b"\\Seen"])
    sync.sync_folder("INBOX", thorough=thorough)
    assert snapshot(sync.cache) == server_snapshot(bed, user)
    assert sync.sync_folder("INBOX").unchanged
    sync.conn.close()
    return snapshot(sync.cache)


def test_same_cache_with_and_without_condstore(
    bed: Bed, bed_without_condstore: Bed, tmp_path: Path
) -> None:
    with_condstore = scenario(bed, tmp_path, thorough=False)
    assert not connection(bed_without_condstore, bed_without_condstore.user).condstore_enabled
    # Without CONDSTORE a \Seen change shows in STATUS UNSEEN; \Flagged needs `thorough`.
    without = scenario(bed_without_condstore, tmp_path, thorough=True)
    assert with_condstore == without


def test_uidvalidity_change_drops_the_folder(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    with raw_client(bed, user) as client:
        client.create_folder("Projets")
    seed(bed, user, 5, folder="Projets")
    sync = engine(bed, user, tmp_path / "c.sqlite")
    sync.sync_folders()
    sync.sync_folder("Projets")
    assert sync.cache.count("Projets") == 5
    with raw_client(bed, user) as client:
        client.delete_folder("Projets")
        client.create_folder("Projets")
    seed(bed, user, 3, folder="Projets", start=100)
    result = sync.sync_folder("Projets")
    assert result.reset
    assert snapshot(sync.cache, "Projets") == server_snapshot(bed, user, "Projets")
    assert {s.subject for s in sync.cache.page("Projets", 0, 10)} == {
        "Message 100",
        "Message 101",
        "Message 102",
    }
    sync.conn.close()


def test_server_search_lists_matches_the_backfill_has_not_reached(bed: Bed, tmp_path: Path) -> None:
    """A search during the first sync listed only what was cached: « Message 2 » found
    nothing older than the first page. Those matches are now fetched and cached; a
    message the user deleted (not replayed yet) does not come back."""
    user = bed.new_user()
    seed(bed, user, 250)
    sync = engine(bed, user, tmp_path / "c.sqlite", first_page=100, chunk=60)
    sync.sync_folders()
    assert sync.sync_folder("INBOX").backfill_remaining
    assert sync.cache.summary("INBOX", 2) is None  # older than the first page
    sync.delete("INBOX", [201])
    found = [s.uid for s in sync.search_server("INBOX", "Message 2")]
    expected = [2, *range(20, 30), *range(200, 251)]
    expected.remove(201)
    assert found == expected
    assert sync.cache.summary("INBOX", 2) is not None  # cached: the list can show it
    assert sync.cache.summary("INBOX", 201) is None
    while sync.backfill_step("INBOX"):
        pass
    assert sync.cache.count("INBOX") == 249  # the backfill took the early rows in
    sync.conn.close()


@pytest.mark.parametrize("with_condstore", [True, False], ids=["condstore", "plain"])
def test_rows_cached_below_the_backfill_follow_the_server_at_each_sync(
    bed: Bed, bed_without_condstore: Bed, tmp_path: Path, with_condstore: bool
) -> None:
    """A row cached early (a search, a body opened) below the backfill stayed as it was
    until the backfill reached it: expunged or flagged elsewhere, F5 changed nothing."""
    server = bed if with_condstore else bed_without_condstore
    user = server.new_user()
    seed(server, user, 250)
    sync = engine(server, user, tmp_path / "c.sqlite", first_page=100, chunk=60)
    sync.sync_folders()
    assert sync.sync_folder("INBOX").backfill_remaining
    sync.search_server("INBOX", "Message 2")
    assert sync.cache.summary("INBOX", 2) is not None
    assert sync.cache.summary("INBOX", 20) is not None
    with raw_client(server, user) as client:
        client.select_folder("INBOX")
        client.add_flags([2], [b"\\Flagged"])
        client.delete_messages([20])
        client.expunge()
    result = sync.sync_folder("INBOX")
    assert result.removed == 1 and result.changed >= 1
    two = sync.cache.summary("INBOX", 2)
    assert two is not None and "\\Flagged" in two.flags
    assert sync.cache.summary("INBOX", 20) is None
    assert sync.cache.summary("INBOX", 21) is not None
    sync.conn.close()


def test_server_search_leaves_new_mail_to_the_sync(bed: Bed, tmp_path: Path) -> None:
    """A match newer than the last sync is new mail: cached by the search, the next
    sync found nothing new and announced nothing (review)."""
    user = bed.new_user()
    seed(bed, user, 10)
    sync = engine(bed, user, tmp_path / "c.sqlite")
    sync.sync_folders()
    sync.sync_folder("INBOX")
    seed(bed, user, 1, start=11)
    sync.search_server("INBOX", "Message 11")
    assert sync.sync_folder("INBOX").new == 1
    sync.conn.close()


def test_offline_actions_survive_restart_and_replay_in_order(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 12)
    path = tmp_path / "c.sqlite"
    sync = engine(bed, user, path)
    sync.sync_folders()
    sync.sync_folder("INBOX")
    sync.conn.close()  # offline from here
    sync.set_flags("INBOX", [1, 2], add=["\\Seen"])
    sync.set_flags("INBOX", [2], remove=["\\Seen"], add=["\\Flagged"])
    sync.delete("INBOX", [3])
    sync.archive("INBOX", [4])
    sync.move("INBOX", [5], "Indésirables")
    sync.expunge("INBOX", [6])
    sync.set_flags("INBOX", [9], add=["\\Answered"])  # will be gone on the server: conflict
    assert sync.cache.summary("INBOX", 1).flags == {"\\Seen"}  # type: ignore[union-attr]
    assert sync.cache.summary("INBOX", 3) is None and sync.cache.count("INBOX") == 8
    sync.cache.close()
    with raw_client(bed, user) as other:
        other.select_folder("INBOX")
        other.delete_messages([9])
        other.expunge()

    restarted = SyncEngine(connection(bed, user), Cache.open(path))
    assert len(restarted.cache.pending_ops()) == 7
    assert restarted.replay_pending() == []  # a gone message is skipped, not a crash
    assert restarted.cache.pending_ops() == []
    restarted.sync_folder("INBOX")
    server = {uid: flags for uid, _s, flags in server_snapshot(bed, user)}
    assert server[1] == ("\\Seen",) and server[2] == ("\\Flagged",)
    assert 3 not in server and 4 not in server and 5 not in server and 6 not in server
    assert [s for _u, s, _f in server_snapshot(bed, user, "Corbeille")] == ["Message 3"]
    assert [s for _u, s, _f in server_snapshot(bed, user, "Archives")] == ["Message 4"]
    assert [s for _u, s, _f in server_snapshot(bed, user, "Indésirables")] == ["Message 5"]
    assert snapshot(restarted.cache) == server_snapshot(bed, user)
    restarted.conn.close()


def test_corrupt_cache_is_rebuilt_from_the_server(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 20)
    path = tmp_path / "c.sqlite"
    sync = engine(bed, user, path)
    sync.sync_folders()
    sync.sync_folder("INBOX")
    sync.cache.close()
    sync.conn.close()
    path.write_bytes(b"\x00garbage" * 1000)
    rebuilt = engine(bed, user, path)
    assert rebuilt.cache.notices
    rebuilt.sync_folders()
    rebuilt.sync_folder("INBOX")
    assert snapshot(rebuilt.cache) == server_snapshot(bed, user)
    rebuilt.conn.close()


def test_dovecot_stopped_mid_backfill_resumes_without_gaps(fresh_bed: Bed, tmp_path: Path) -> None:
    user = fresh_bed.new_user()
    seed(fresh_bed, user, 600)
    path = tmp_path / "c.sqlite"
    sync = engine(fresh_bed, user, path, first_page=100, chunk=100)
    sync.sync_folders()
    sync.sync_folder("INBOX")
    assert sync.backfill_step("INBOX")
    fresh_bed.dovecot.stop()
    # Dovecot's running imap process outlives its master: cut our side like a dead link.
    assert sync.conn.client is not None
    sync.conn.client.socket().shutdown(socket.SHUT_RDWR)
    with pytest.raises(ConnectionLost):
        sync.backfill_step("INBOX")
    assert sync.cache.count("INBOX") == 200  # the failed chunk left nothing behind
    with pytest.raises(ConnectionLost):
        sync.conn.connect()  # the server is down
    fresh_bed.dovecot.start()
    sync.conn.connect()
    sync.conn.selected = None
    sync.sync_folder("INBOX")
    sync.backfill("INBOX")
    assert sync.cache.count("INBOX") == 600
    assert snapshot(sync.cache) == server_snapshot(fresh_bed, user)
    sync.conn.close()


def _session_bytes(bed: Bed, user: User, sessions: int) -> int:
    """Server bytes of the user's `sessions`-th session, once Dovecot has logged it."""
    for _ in range(200):
        found = bed.dovecot.traffic(user.username)
        if len(found) >= sessions:
            return found[sessions - 1].from_server
        time.sleep(0.05)
    raise AssertionError("Dovecot never logged the session's logout")


def _no_change_bytes(bed: Bed, user: User, tmp_path: Path, count: int) -> tuple[int, int]:
    seed(bed, user, count)  # a fresh user: seeding is its first session
    before = 1
    path = tmp_path / f"{count}.sqlite"
    sync = engine(bed, user, path)
    sync.sync_folders()
    sync.sync_folder("INBOX")
    sync.backfill("INBOX")
    sync.conn.close()
    first = _session_bytes(bed, user, before + 1)
    again = SyncEngine(connection(bed, user), Cache.open(path))
    assert again.sync_folder("INBOX").unchanged
    again.conn.close()
    return first, _session_bytes(bed, user, before + 2)


def test_no_change_resync_bytes_do_not_grow_with_the_mailbox(bed: Bed, tmp_path: Path) -> None:
    small_first, small = _no_change_bytes(bed, bed.new_user(), tmp_path, 100)
    big_first, big = _no_change_bytes(bed, bed.new_user(), tmp_path, 2000)
    print(f"first sync: 100 msgs {small_first} B, 2000 msgs {big_first} B")
    print(f"no-change resync: 100 msgs {small} B, 2000 msgs {big} B")
    assert big_first > small_first  # the counters are real
    assert abs(big - small) <= 24  # a digit more in each number (UIDNEXT, MESSAGES…)
    assert big < 1536


_CONTROL = set(range(0x00, 0x20)) | set(range(0x7F, 0xA0)) | {0x202E, 0x2066, 0x200F}


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=300),
    st.text(max_size=80),
    st.sampled_from(["utf-8", "iso-8859-1", "x-inconnu", "utf-7"]),
)
def test_hostile_headers_never_raise_and_come_out_clean(
    noise: bytes, text: str, charset: str
) -> None:
    encoded = (
        "=?" + charset + "?b?" + base64.b64encode(text.encode("utf-8", "replace")).decode() + "?="
    )
    raw = (
        b"From: "
        + noise
        + b" <a@b>\r\nSubject: "
        + encoded.encode()
        + b" "
        + noise
        + b"\r\nTo: "
        + noise
        + b"\r\nDate: "
        + noise[:40]
        + b"\r\n\r\n"
    )
    s = parse_summary("INBOX", 1, {b"BODY[HEADER.FIELDS (FROM)]": raw, b"FLAGS": (noise[:20],)})
    for value in (s.subject, s.sender_name, s.sender_address, s.to, *s.flags):
        assert not any(ord(ch) in _CONTROL for ch in value), repr(value)


def test_message_without_a_date_header_takes_its_arrival_time(bed: Bed, tmp_path: Path) -> None:
    """Summaries no longer carry INTERNALDATE; the rare undated message asks for it."""
    user = bed.new_user()
    seed(bed, user, 3)
    bed.dovecot.deliver(user.username, b"From: a@ac-dijon.fr\r\nSubject: sans date\r\n\r\nx\r\n")
    sync = engine(bed, user, tmp_path / "c.sqlite")
    sync.sync_folders()
    sync.sync_folder("INBOX")
    undated = sync.cache.summary("INBOX", 4)
    assert undated is not None and undated.subject == "sans date"
    assert undated.date is not None and undated.date.year >= 2026
    assert all(s.date is not None for s in sync.cache.page("INBOX", 0, 10))
    sync.conn.close()


def _sync_account(sync: SyncEngine) -> dict[str, bool]:
    """What the worker's SyncAll does: the folder list (with statuses), then each folder."""
    sync.sync_folders()
    return {name: sync.sync_folder(name).unchanged for name in sync.selectable()}


@pytest.mark.parametrize("list_status", [True, False])
def test_account_resync_sees_other_clients_with_or_without_list_status(
    bed: Bed, tmp_path: Path, list_status: bool
) -> None:
    """LIST-STATUS answers every folder's STATUS at once; without it, one STATUS each."""
    user = bed.new_user()
    with raw_client(bed, user) as client:
        client.create_folder("Projets")
    seed(bed, user, 12)
    seed(bed, user, 4, folder="Projets")
    sync = engine(bed, user, tmp_path / "c.sqlite")
    if not list_status:
        sync.conn.capabilities = sync.conn.capabilities - {"LIST-STATUS"}
    _sync_account(sync)
    while sync.backfill_step("INBOX") or sync.backfill_step("Projets"):
        pass
    assert all(_sync_account(sync).values())  # nothing changed: every folder unchanged
    with raw_client(bed, user) as other:
        other.select_folder("Projets")
        other.add_flags([2], [b"\\Flagged"])
    bed.dovecot.deliver(user.username, message(13, "Nouveau"))
    unchanged = _sync_account(sync)
    assert not unchanged["INBOX"] and not unchanged["Projets"] and unchanged["Corbeille"]
    assert snapshot(sync.cache) == server_snapshot(bed, user)
    assert snapshot(sync.cache, "Projets") == server_snapshot(bed, user, "Projets")
    sync.conn.close()
