"""The threaded order: parents by In-Reply-To then References, threads by their newest
message, and no loop or crash on hostile headers (cycles, duplicates, junk)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.mail.summary import Summary
from tui.core.mail.threads import MAX_DEPTH, ThreadRow, message_ids, thread_order
from tui.core.store.cache import Cache

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def row(uid: int, date: int, mid: str = "", irt: str = "", refs: str = "") -> ThreadRow:
    return (date, uid, mid, irt, refs)


def shown(rows: list[ThreadRow]) -> list[tuple[int, int]]:
    """(uid, depth) in display order."""
    order = thread_order(rows)
    return list(zip(order.uids, order.depths, strict=True))


def test_empty_folder() -> None:
    order = thread_order([])
    assert len(order) == 0 and order.index_of(1) is None


def test_threads_ordered_by_their_newest_message_parents_first() -> None:
    rows = [
        row(1, 100, "<a@x>"),
        row(2, 200, "<b@x>"),  # alone, newer than the start of thread a
        row(3, 300, "<c@x>", "<a@x>", "<a@x>"),  # a reply revives thread a
        row(4, 400, "<d@x>", "<c@x>", "<a@x> <c@x>"),
        row(5, 150, "<e@x>", "<a@x>", "<a@x>"),  # an earlier reply to a
    ]
    assert shown(rows) == [(1, 0), (5, 1), (3, 1), (4, 2), (2, 0)]


def test_missing_parent_attaches_to_nearest_present_ancestor() -> None:
    # b is in the Sent folder, not here: c hangs from a through its References.
    rows = [row(1, 100, "<a@x>"), row(3, 300, "<c@x>", "<b@x>", "<a@x> <b@x>")]
    assert shown(rows) == [(1, 0), (3, 1)]


def test_in_reply_to_wins_over_references() -> None:
    rows = [
        row(1, 100, "<a@x>"),
        row(2, 200, "<b@x>"),
        row(3, 300, "<c@x>", "<a@x>", "<b@x>"),
    ]
    assert shown(rows) == [(1, 0), (3, 1), (2, 0)]


def test_in_reply_to_with_junk_and_bare_ids() -> None:
    rows = [
        row(1, 100, "<a@x>"),
        row(2, 200, "<b@x>", "<a@x> (message de Marie du 3 mars)"),
        row(3, 300, "c@x", "b@x"),  # no brackets anywhere
        row(4, 400, " <d@x> ", "", "c@x"),
    ]
    assert shown(rows) == [(1, 0), (2, 1), (3, 2), (4, 3)]


def test_same_subject_without_headers_is_not_a_thread() -> None:
    rows = [row(1, 100, "<a@x>"), row(2, 200, "<b@x>")]
    assert shown(rows) == [(2, 0), (1, 0)]


def test_reply_dated_before_its_parent_still_comes_after_it() -> None:
    rows = [row(1, 500, "<a@x>"), row(2, 100, "<b@x>", "<a@x>")]
    assert shown(rows) == [(1, 0), (2, 1)]


def test_duplicate_message_ids_the_oldest_owns_the_id() -> None:
    rows = [
        row(1, 100, "<a@x>"),
        row(2, 200, "<a@x>"),  # the same message copied twice, or a forgery
        row(3, 300, "<c@x>", "<a@x>"),
    ]
    assert shown(rows) == [(1, 0), (3, 1), (2, 0)]


def test_a_message_replying_to_itself_is_a_thread_start() -> None:
    assert shown([row(1, 100, "<a@x>", "<a@x>", "<a@x>")]) == [(1, 0)]


def test_cycles_are_cut_at_their_oldest_message() -> None:
    rows = [
        row(1, 100, "<a@x>", "<c@x>"),
        row(2, 200, "<b@x>", "<a@x>"),
        row(3, 300, "<c@x>", "<b@x>"),
        row(4, 50, "<d@x>", "<e@x>"),
        row(5, 60, "<e@x>", "<d@x>"),
    ]
    assert shown(rows) == [(1, 0), (2, 1), (3, 2), (4, 0), (5, 1)]


def test_a_very_deep_thread_neither_recurses_nor_overflows_the_depths() -> None:
    count = 20_000
    rows = [row(1, 0, "<m0@x>")] + [
        row(n + 1, n, f"<m{n}@x>", f"<m{n - 1}@x>") for n in range(1, count)
    ]
    order = thread_order(reversed(rows))
    assert list(order.uids) == list(range(1, count + 1))
    assert order.depths[:3] == bytes([0, 1, 2]) and order.depths[-1] == MAX_DEPTH
    assert order.index_of(count) == count - 1


def test_message_ids_reads_brackets_and_bare_words() -> None:
    assert message_ids("<a@x> <b@x>") == ["<a@x>", "<b@x>"]
    assert message_ids("a@x b@x") == ["<a@x>", "<b@x>"]
    assert message_ids("<a@x> (comment) <broken") == ["<a@x>"]
    assert message_ids("") == []


# --- hostile headers: random graphs of ids, junk, duplicates and cycles ------------------

IDS = [f"<{n}@x>" for n in range(8)]
HEADER = st.lists(
    st.sampled_from([*IDS, "junk", "<", ">", "<>", "< a >", "\x00", "é@x"]), max_size=4
).map(" ".join)
ROWS = st.lists(
    st.tuples(st.integers(0, 5), st.sampled_from([*IDS, "", "<0@x><1@x>", "x y"]), HEADER, HEADER),
    max_size=40,
).map(
    lambda items: [
        (date, uid, mid, irt, refs) for uid, (date, mid, irt, refs) in enumerate(items, 1)
    ]
)


@FAST
@given(ROWS)
def test_every_message_appears_exactly_once(rows: list[ThreadRow]) -> None:
    order = thread_order(rows)
    assert sorted(order.uids) == [r[1] for r in rows]
    assert len(order.depths) == len(order.uids)
    # A row is at most one level deeper than the row above it; threads start at 0.
    previous = -1
    for depth in order.depths:
        assert depth <= previous + 1
        previous = depth


@FAST
@given(st.data())
def test_the_order_does_not_depend_on_the_order_rows_are_read(data: st.DataObject) -> None:
    rows = data.draw(ROWS)
    shuffled = data.draw(st.permutations(rows))
    assert thread_order(shuffled) == thread_order(rows)


# --- the cache's read-only queries for the threaded view ---------------------------------


def summary(uid: int, day: int, irt: str = "", refs: str = "", folder: str = "INBOX") -> Summary:
    return Summary(
        folder=folder,
        uid=uid,
        date=datetime(2026, 11, 1, 8, tzinfo=UTC) + timedelta(days=day),
        sender_name="Sophie Bernard",
        sender_address="sophie.bernard@ac-dijon.fr",
        to="marie.durand@ac-dijon.fr",
        subject=f"Réunion {uid}",
        size=1000,
        flags=frozenset(),
        has_attachment=False,
        message_id=f"<{uid}@ac-dijon.fr>",
        in_reply_to=irt,
        references=refs,
    )


def test_cache_threads_a_folder_and_reads_its_pages_in_that_order(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite3")
    cache.put_summaries(
        [
            summary(1, 1),
            summary(2, 2),
            summary(3, 3, "<1@ac-dijon.fr>", "<1@ac-dijon.fr>"),
            summary(4, 0, folder="Envoyés"),
        ]
    )
    rows = cache.thread_rows("INBOX")
    assert [r[1] for r in rows] == [1, 2, 3]  # oldest first, this folder only
    order = thread_order(rows)
    assert list(order.uids) == [1, 3, 2] and order.depths == bytes([0, 1, 0])
    page = cache.summaries("INBOX", order.uids)
    assert [s.uid for s in page] == [1, 3, 2]
    assert page[1] == cache.summary("INBOX", 3)
    # A message gone since the order was computed is left out; others keep their order.
    assert [s.uid for s in cache.summaries("INBOX", [2, 99, 1])] == [2, 1]
    assert len(cache.summaries("INBOX", list(range(1, 1200)))) == 3  # chunked query


def test_cache_thread_signature_ignores_flags_but_not_arrivals(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite3")
    cache.put_summaries([summary(1, 1), summary(2, 2)])
    before = cache.thread_signature("INBOX")
    cache.change_flags("INBOX", [1], add=["\\Seen", "\\Flagged"])
    assert cache.thread_signature("INBOX") == before
    cache.put_summaries([summary(3, 3)])
    arrived = cache.thread_signature("INBOX")
    assert arrived != before
    cache.remove_messages("INBOX", [1])
    assert cache.thread_signature("INBOX") not in (before, arrived)
    assert cache.thread_signature("Vide") == (0, 0, 0.0, 0.0)
