"""Sorting a folder by date, size, sender or subject, remembered per folder (#19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tests.test_cache import make
from tui.core.store.cache import Cache
from tui.core.store.sorting import Sort, sorted_uids
from tui.screens.mailbox import MailboxScreen
from tui.screens.sort_picker import SortPicker
from tui.views import load_sorts, save_sorts, views_path
from tui.widgets.message_list import MessageList
from tui.widgets.sorted_source import SortedSource
from tui.widgets.status_bar import StatusBar

MESSAGES = [
    # uid, sort_date, size, sender name, sender address, subject
    (1, 100, 5_000, "Martin", "m@x", "Re: Budget"),
    (2, 300, 90_000, "élodie Petit", "e@x", "Absences"),
    (3, 200, 700, "", "dupont@x", "budget 2027"),
    (4, 400, 90_000, "Zoé", "z@x", "Fwd: absences"),
]


def rows(key: str) -> list[tuple[int, int, object]]:
    """What Cache.sort_rows gives for this key."""
    value = {
        "date": lambda m: m[1],
        "size": lambda m: m[2],
        "sender": lambda m: m[3] or m[4],
        "subject": lambda m: m[5],
    }[key]
    return [(m[0], m[1], value(m)) for m in MESSAGES]


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        (Sort(), [4, 2, 3, 1]),
        (Sort("date", reverse=True), [1, 3, 2, 4]),
        (Sort("size"), [4, 2, 1, 3]),  # equal sizes: the newest first
        (Sort("size", reverse=True), [3, 1, 2, 4]),
        # Without case or accents; a sender without a name by address.
        (Sort("sender"), [3, 2, 1, 4]),
        (Sort("sender", reverse=True), [4, 1, 2, 3]),
        # « Re: », « Fwd: » left out: a conversation sorts together, newest first.
        (Sort("subject"), [4, 2, 1, 3]),
    ],
)
def test_each_order(sort: Sort, order: list[int]) -> None:
    assert list(sorted_uids(rows(sort.key), sort)) == order


def test_the_source_pages_and_finds_in_its_order_and_follows_new_mail(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", uid, size=uid * 10) for uid in (5, 1, 3)])
    source = SortedSource(cache, Sort("size"))
    assert source.count("INBOX") == 3
    assert [s.uid for s in source.page("INBOX", 0, 10)] == [5, 3, 1]
    assert source.index_of("INBOX", 1) == 2 and source.index_of("INBOX", 99) is None
    cache.put_summaries([make("INBOX", 9, size=45)])
    assert source.count("INBOX") == 4  # the order is computed again when mail comes
    assert [s.uid for s in source.page("INBOX", 1, 2)] == [9, 3]
    cache.close()


def test_the_cache_gives_each_sort_its_value(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries(
        [
            make("INBOX", 1, sender_name="Zoé", sender_address="a@x"),
            make("INBOX", 2, sender_name="", sender_address="b@x"),
            make("INBOX", 3, sender_name="Élodie", sender_address="z@x"),
        ]
    )
    source = SortedSource(cache, Sort("sender"))
    assert [s.uid for s in source.page("INBOX", 0, 3)] == [2, 3, 1]  # b@x, Élodie, Zoé
    cache.close()


def test_sorts_are_kept_in_the_data_dir_and_a_bad_file_is_ignored(tmp_path: Path) -> None:
    store = tmp_path / "moi@hermes.sqlite3"
    path = views_path(store)
    assert path.parent == tmp_path and load_sorts(path) == {}
    save_sorts(path, {"INBOX": Sort("size"), "Projets": Sort(), "Envoyés": Sort("date", True)})
    assert load_sorts(path) == {"INBOX": Sort("size"), "Envoyés": Sort("date", True)}
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_bytes(b'{"sorts": {"INBOX": {"key": "size", "reverse": "false"}}}')
    assert load_sorts(path) == {"INBOX": Sort("size")}  # only true is true
    for bad in (b"\xff", b"[]", b'{"sorts": {"INBOX": {"key": "rm -rf"}}}', b'{"sorts": 3}'):
        path.write_bytes(bad)
        assert load_sorts(path) == {}
    path.unlink()
    path.mkdir()  # not even a file
    assert load_sorts(path) == {}


async def test_S_sorts_by_size_with_the_size_column_and_the_folder_keeps_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            messages = screen.query_one(MessageList)
            uid = messages.selected_uid
            await pilot.press("S")
            assert isinstance(app.screen, SortPicker)
            await pilot.press("down", "down", "enter")  # « Taille, les plus gros d'abord »
            assert app.screen is screen
            sizes = [messages.row(i).size for i in range(messages.total)]  # type: ignore[union-attr]
            assert sizes == sorted(sizes, reverse=True)
            assert messages.selected_uid == uid  # the same message stays selected
            await pilot.pause()
            lines = [s.text for s in app.screen._compositor.render_strips()]
            assert lines[0].rstrip().endswith(" o")  # the size column, even at 80 columns
            assert "plus gros d'abord" in screen.query_one(StatusBar).folder
            stored = json.loads(views_path(app.account.cache.durable_path).read_text())
            assert stored == {"sorts": {"INBOX": {"key": "size", "reverse": False}}}

            await pilot.press("b", "down", "down", "enter")  # another folder: by date
            assert not messages.show_size
            await pilot.press("b", "up", "up", "enter")  # back: by size again
            assert screen.folder == "INBOX" and messages.show_size
            sizes = [messages.row(i).size for i in range(messages.total)]  # type: ignore[union-attr]
            assert sizes == sorted(sizes, reverse=True)

            await pilot.press("t")  # threads: the sort waits
            assert not messages.show_size
            await pilot.press("S", "up", "up", "enter")  # back to the newest first
            assert not screen.threaded and not messages.show_size
            assert screen.query_one(StatusBar).folder.endswith("non lus")


async def test_a_renamed_folder_keeps_its_order_and_a_deleted_one_forgets_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tui.core.account.contract import DeleteFolder, RenameFolder

    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, MailboxScreen)
            screen.sorts.update({"Projets": Sort("size"), "Projets/Théâtre": Sort("sender")})
            screen.folder_command_done(RenameFolder("Projets", "Classes"))
            await pilot.pause()
            assert screen.sorts == {"Classes": Sort("size"), "Classes/Théâtre": Sort("sender")}
            screen.folder_command_done(DeleteFolder("Classes/Théâtre"))
            assert screen.sorts == {"Classes": Sort("size")}
            path = views_path(app.account.cache.durable_path)
            assert load_sorts(path) == {"Classes": Sort("size")}
