"""A nearly full mailbox shows in colour and is announced once per crossing (issue #17).

86 % must not look like 4 %: the status bar colours the quota from 80 % (warning) and
95 % (error), and one notice says what to do, once when 80 % is crossed and once when
95 % is; not at every sync, not again after a restart (remembered in the cache).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from tests.app_helpers import demo_app
from tui.app import CourrielApp
from tui.bridge import carry
from tui.core.account import contract
from tui.core.diagnose.diagnose import QUOTA_FULL, QUOTA_NEARLY_FULL
from tui.core.i18n import set_language
from tui.core.store.cache import Cache
from tui.quota_notice import QUOTA_ERROR, QUOTA_WARNING, quota_level, quota_notice
from tui.widgets.status_bar import StatusBar

LIMIT = 100 * 1024  # KiB


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")


def at(percent: float) -> tuple[int, int]:
    return round(LIMIT * percent / 100), LIMIT


# --- the colour -----------------------------------------------------------------------


class BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar()


def quota_styles(bar: StatusBar) -> set[str]:
    line = bar.render()
    start = line.plain.index("quota")
    return {
        str(span.style)
        for span in line.spans
        if span.start <= start < span.end or start <= span.start < start + 10
    }


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(4, None), (79.4, None), (80, "$warning"), (86, "$warning"), (95, "$error"), (99, "$error")],
)
async def test_the_quota_is_coloured_from_80_and_95_percent(
    percent: float, expected: str | None
) -> None:
    app = BarApp()
    async with app.run_test(size=(120, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.quota = at(percent)
        await pilot.pause()
        styles = quota_styles(bar)
    if expected is None:
        assert not any("$warning" in s or "$error" in s for s in styles), styles
    else:
        assert any(expected in s for s in styles), styles
        other = "$error" if expected == "$warning" else "$warning"
        assert not any(other in s for s in styles), styles


async def test_a_nearly_full_quota_stays_in_view_at_80_columns() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.folder = "Boîte de réception : 50 000 messages, 1 204 non lus"
        bar.state = "connecté"
        bar.new_mail = 2
        bar.quota = at(86)
        await pilot.pause()
        assert "86 %" in bar.render().plain


def test_the_levels_agree_with_the_diagnosis() -> None:
    """`courriel doctor` and the setup test warn at the same points as the status bar."""
    assert (QUOTA_WARNING, QUOTA_ERROR) == (80, 95)
    assert (QUOTA_NEARLY_FULL, QUOTA_FULL) == (QUOTA_WARNING / 100, QUOTA_ERROR / 100)
    assert [quota_level(at(p)) for p in (0, 79.9, 80, 94.9, 95, 120)] == [0, 0, 80, 80, 95, 95]
    assert quota_level(None) == 0 and quota_level((10, 0)) == 0


# --- the notice, once per crossing -----------------------------------------------------------


def test_notice_once_per_crossing(tmp_path: Path) -> None:
    cache = Cache.open(tmp_path / "cache.sqlite3")
    seen = []
    for percent in (4, 50, 86, 86, 88, 96, 97, 96, 60, 86, 86):
        cache.set_quota(at(percent))
        notice = quota_notice(cache)
        seen.append((percent, notice.severity if notice else None))
    cache.close()
    assert seen == [
        (4, None),
        (50, None),
        (86, "warning"),  # 80 % crossed
        (86, None),  # not at every sync
        (88, None),
        (96, "error"),  # 95 % crossed
        (97, None),
        (96, None),
        (60, None),  # space was made: the next crossing warns again
        (86, "warning"),
        (86, None),
    ]


def test_the_notice_says_what_takes_the_room_and_what_to_do(tmp_path: Path) -> None:
    from tests.test_cache import make
    from tui.core.store.records import FolderRow

    cache = Cache.open(tmp_path / "cache.sqlite3")
    cache.set_folders(
        [
            FolderRow("INBOX", "/", None, 0, 0, ()),
            FolderRow("Corbeille", "/", "trash", 0, 0, ()),
            FolderRow("Projets\x1b[31m", "/", None, 0, 0, ()),
        ]
    )
    cache.put_summaries(
        [
            make("INBOX", 1, size=3 * 1024 * 1024),
            make("Corbeille", 1, size=9 * 1024 * 1024),
            make("Projets\x1b[31m", 1, size=1024),
        ]
    )
    cache.set_quota(at(86))
    notice = quota_notice(cache)
    cache.close()
    assert notice is not None
    assert notice.message == (
        "Votre boîte est pleine à 86 %. Le plus de place : Corbeille 9,0 Mo, Boîte de "
        "réception 3,0 Mo, Projets 1,0 Ko. L montre les plus gros messages de tous les "
        "dossiers ; videz ensuite la Corbeille (Ctrl+P, « Vider la corbeille »)."
    )


def test_the_notice_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite3"
    cache = Cache.open(path)
    cache.set_quota(at(90))
    assert quota_notice(cache) is not None
    cache.close()
    cache = Cache.open(path)
    assert quota_notice(cache) is None  # already said, before the restart
    cache.close()


async def sync_done(app: CourrielApp, pilot: object) -> None:
    app.post_message(carry(contract.SyncDone()))
    await pilot.pause()  # type: ignore[attr-defined]


async def test_the_app_announces_the_crossing_once(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        cache = app.account.cache
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            cache.set_quota(at(86))
            await sync_done(app, pilot)
            await sync_done(app, pilot)  # the next sync: no second notice
            notices = [n for n in app._notifications if "pleine" in n.message]
            assert len(notices) == 1
            assert notices[0].message.startswith("Votre boîte est pleine à 86 %. Le plus de")
            assert notices[0].severity == "warning"
            bar = app.screen.query_one(StatusBar)
            assert bar.quota == at(86)
            assert any("$warning" in s for s in quota_styles(bar))
            cache.set_quota(at(96))
            await sync_done(app, pilot)
            notices = [n for n in app._notifications if "pleine" in n.message]
            assert [n.severity for n in notices] == ["warning", "error"]
            assert "96 %" in notices[1].message


async def test_the_notice_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails until the lead merges the English of the new strings into the catalogue."""
    set_language("en")
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await pilot.pause()
            app.account.cache.set_quota(at(97))
            await sync_done(app, pilot)
            messages = [n.message for n in app._notifications]
    assert any(m.startswith("Your mailbox is 97 % full") for m in messages), messages
