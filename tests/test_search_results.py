"""A search shows every match, paged from the cache like a folder (#22: it stopped at 500)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tests.test_cache import make
from tui.core.store.cache import Cache
from tui.screens.mailbox import MailboxScreen
from tui.widgets.message_list import MessageList
from tui.widgets.results import ResultsSource

MATCHES = 1_200  # more than the 500 a search used to show


def kermesse(folder: str, uid: int) -> object:
    return make(folder, uid, day=uid % 300, subject=f"Kermesse de l'école n° {uid}")


def filled(tmp_path: Path) -> Cache:
    cache = Cache.open(tmp_path / "c.sqlite", check=False)
    cache.put_summaries(kermesse("INBOX", u) for u in range(1, 801))  # type: ignore[misc]
    cache.put_summaries(kermesse("Archives", u) for u in range(1, 401))  # type: ignore[misc]
    cache.put_summaries(make("INBOX", u, day=1) for u in range(900, 950))  # no match
    return cache


def test_results_page_through_every_match_in_search_order(tmp_path: Path) -> None:
    cache = filled(tmp_path)
    results = ResultsSource(lambda: cache, "kermesse")
    assert results.count("INBOX") == MATCHES
    rows = [r for offset in range(0, MATCHES, 200) for r in results.page("INBOX", offset, 200)]
    keys = [(r.folder, r.uid) for r in rows]
    assert len(set(keys)) == MATCHES
    dates = [r.date for r in rows]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert sorted(keys) == sorted((s.folder, s.uid) for s in cache.search("kermesse"))
    for index in (0, 1, 499, 500, 777, MATCHES - 1):
        assert results.index_of(*keys[index]) == index
    assert results.index_of("INBOX", 920) is None  # cached, not a result


def test_results_follow_the_cache_and_merge_the_server(tmp_path: Path) -> None:
    cache = filled(tmp_path)
    results = ResultsSource(lambda: cache, "kermesse")
    cache.remove_messages("INBOX", [5])
    assert results.count("INBOX") == MATCHES - 1
    cache.put_summaries([kermesse("INBOX", 5)])  # an undo brings it back
    assert results.count("INBOX") == MATCHES
    # The server found two more (their bodies are not cached), one already listed.
    added = results.merge([make("INBOX", 920, day=1), make("INBOX", 7, day=1)])
    assert added == 1 and results.count("INBOX") == MATCHES + 1
    rows = results.page("INBOX", 0, MATCHES + 1)
    dates = [r.date for r in rows]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    position = [(r.folder, r.uid) for r in rows].index(("INBOX", 920))
    assert results.index_of("INBOX", 920) == position  # in date order, not at the end
    results.close()
    assert cache.result_count() == 0


def test_a_rebuilt_cache_is_searched_again(tmp_path: Path) -> None:
    caches = [filled(tmp_path)]
    results = ResultsSource(lambda: caches[-1], "kermesse")
    other = Cache.open(tmp_path / "other.sqlite", check=False)
    other.put_summaries(kermesse("INBOX", u) for u in range(1, 4))  # type: ignore[misc]
    caches.append(other)
    assert results.count("INBOX") == 3


async def test_search_lists_and_counts_more_than_500_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        cache = app.account.cache
        cache.put_summaries(kermesse("INBOX", 10_000 + u) for u in range(MATCHES))  # type: ignore[misc]
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            await pilot.press("slash", *"kermesse", "enter")
            assert messages.total == MATCHES
            assert screen.status.folder.startswith(f"{MATCHES} résultats pour « kermesse »")
            await pilot.press("end")
            assert messages.cursor == MATCHES - 1
            last = messages.row(MATCHES - 1)
            assert last is not None and "Kermesse" in last.subject
            await pilot.press("escape", "escape")
            assert not screen.has_class("-searching")
            assert messages.total == cache.count("INBOX")
