"""« Indésirable » (`I`): into the Junk folder with $Junk, and back out with $NotJunk
(#19), checked on the real Dovecot; a server that keeps no keywords still gets the move."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tests.conftest import Bed
from tests.mail_helpers import seed, server_snapshot
from tests.test_batch_actions import account_on, fully_synced, replayed
from tui.core.errors import MailError
from tui.core.net.imapreplies import MailboxStatus, flag_names
from tui.core.store.cache import Cache
from tui.widgets.message_list import MessageList


@pytest.mark.server
def test_junk_and_not_junk_reach_the_server_with_their_keywords(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    seed(bed, user, 3)
    path = tmp_path / "c.sqlite"
    fully_synced(bed, user, path)
    cache = Cache.open(path)
    account = account_on(cache)
    assert account.junk([("INBOX", 2), ("INBOX", 3)], is_junk=True) == 2
    assert cache.count("INBOX") == 1

    def junk_on_server() -> list[tuple[str, tuple[str, ...]]]:
        return [(s, f) for _u, s, f in server_snapshot(bed, user, "Indésirables")]

    replayed(bed, user, path, lambda: len(junk_on_server()) == 2)
    assert all("$Junk" in flags and "$NotJunk" not in flags for _s, flags in junk_on_server())

    fully_synced(bed, user, path)  # the Junk folder's messages in the cache
    junk_uid = cache.uids("Indésirables")[0]
    assert account.junk([("Indésirables", junk_uid)], is_junk=False) == 1
    replayed(bed, user, path, lambda: len(junk_on_server()) == 1)
    back = [f for _u, _s, f in server_snapshot(bed, user) if "$NotJunk" in f]
    assert len(back) == 1 and "$Junk" not in back[0]
    cache.close()


def test_a_keyword_is_kept_only_where_the_server_says_so() -> None:
    plain = MailboxStatus(1, 1, 0, permanent=("\\Seen", "\\Deleted"))
    assert plain.keeps("\\Seen") and not plain.keeps("$Junk")
    assert MailboxStatus(1, 1, 0, permanent=("\\Seen", "\\*")).keeps("$Junk")
    assert MailboxStatus(1, 1, 0, permanent=("$Junk",)).keeps("$Junk")
    assert MailboxStatus(1, 1, 0).keeps("$Junk")  # not said: every flag (RFC 3501, 7.1)
    many = ("\\Seen", *[f"$k{n}" for n in range(300)], "\\*")
    status = MailboxStatus(1, 1, 0, permanent=flag_names([f.encode() for f in many]))
    assert status.keeps("$Junk")  # « \\* » at the end of a long list still counts
    assert MailboxStatus(1, 1, 0).keeps("\\Flagged")


def test_without_a_junk_folder_it_says_so(tmp_path: Path) -> None:
    from tests.test_cache import make

    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", 1)])
    with pytest.raises(MailError, match="Aucun dossier Indésirables"):
        account_on(cache).junk([("INBOX", 1)], is_junk=True)
    assert cache.count("INBOX") == 1 and cache.pending_ops() == []
    cache.close()


async def test_I_moves_to_junk_and_u_brings_it_back(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            messages = app.screen.query_one(MessageList)
            total, uid = messages.total, messages.selected_uid
            junk = app.account.cache.special_folder("junk")
            assert junk is not None
            before = app.account.cache.count(junk)
            await pilot.press("I")
            assert messages.total == total - 1
            assert any("Indésirables" in n.message for n in app._notifications)
            await pilot.press("u")
            assert messages.total == total and messages.selected_uid == uid
            assert app.account.cache.count(junk) == before
