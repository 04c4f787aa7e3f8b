"""No single message, row or event can end the app; a real crash shows no data (issue #14).

The failures are injected where hostile data would cause them: a worker event whose
handling raises, a list row that cannot be drawn, a body that cannot be parsed, a row of
the cache file that holds the wrong types. The app must keep working, tell the user
once, and put the traceback in the log file. A crash that does happen prints a short
French message with the log's path, never Textual's traceback with its locals.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.app_helpers import demo_app
from tui import boundary
from tui.bridge import carry
from tui.core import logs
from tui.core.account import contract
from tui.core.mail.summary import parse_summary
from tui.core.store.cache import Cache
from tui.screens.mailbox import MailboxScreen
from tui.widgets.message_list import MessageList


@pytest.fixture(autouse=True)
def _notice_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(boundary, "_last_notice", -1e9)


def screen_text(app: object) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # type: ignore[attr-defined]


def notices(app: object) -> list[str]:
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_a_failing_worker_event_is_contained(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)

            reason = "year 10000 is out of range"

            def explode(folder: str) -> None:
                raise ValueError(reason)

            monkeypatch.setattr(mailbox, "refresh_folder", explode)
            app.post_message(carry(contract.CacheChanged("INBOX")))
            await pilot.pause()
            assert app.is_running
            assert any("erreur interne a été évitée" in text for text in notices(app))
            monkeypatch.undo()
            before = mailbox.messages.cursor
            await pilot.press("j")
            assert mailbox.messages.cursor == before + 1
    log = logs.current_path().read_text()
    assert "ValueError (message not logged" in log  # Python's text may quote mail
    assert "year 10000 is out of range" not in log
    assert "Traceback" in log and "test_boundary.py" in log


async def test_a_row_that_cannot_be_drawn_shows_a_placeholder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = MessageList._row_parts

    def fragile(self: MessageList, row, *args, **kwargs):  # type: ignore[no-untyped-def]
        if "Conseil" in row.subject:
            raise OverflowError("date value out of range")
        return real(self, row, *args, **kwargs)

    monkeypatch.setattr(MessageList, "_row_parts", fragile)
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "message illisible" in text
            assert app.is_running
            await pilot.press("j", "j", "k")
            assert app.is_running


async def test_a_body_that_cannot_be_parsed_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.core.mail.mime as mime

    def broken(*args: object, **kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(mime, "parse_message", broken)
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            assert "message illisible" in screen_text(app)
            await pilot.press("escape", "j")
            assert app.is_running


def test_a_damaged_cache_row_reads_as_a_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = Cache.open(path)
    head = b"From: a@ac-dijon.fr\r\nSubject: ok\r\n\r\n"
    data = {b"FLAGS": (), b"RFC822.SIZE": 10, b"BODY[HEADER.FIELDS (FROM SUBJECT)]": head}
    cache.put_summaries([parse_summary("INBOX", 1, data), parse_summary("INBOX", 2, data)])
    cache.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE messages SET size = 'beaucoup' WHERE uid = 2")
    db.close()
    cache = Cache.open(path)
    try:
        rows = {s.uid: s for s in cache.page("INBOX", 0, 10)}
        assert rows[1].subject == "ok"
        assert rows[2].subject == "message illisible"
    finally:
        cache.close()


CRASHING_APP = textwrap.dedent(
    """
    import sys
    from tui.core import logs
    logs.setup(__import__("pathlib").Path(sys.argv[1]))
    from tui.account import Account
    from tui.app import CourrielApp
    from tui.demo import open_demo
    from tui.screens.mailbox import MailboxScreen

    def crash(self, event):
        secret_local = "SECRET-" + "LOCAL-VALUE"
        raise RuntimeError("boom")

    MailboxScreen.on_mount = crash
    config, cache, folder = open_demo()
    with folder:
        app = CourrielApp(config, Account(config, cache, demo=True))
        app.run(headless=True, size=(80, 24))
    sys.exit(app.return_code or 0)
    """
)


def test_a_crash_shows_a_short_message_and_no_locals(tmp_path: Path) -> None:
    log = tmp_path / ("dossier-au-nom-long-" * 4) / "courriel.log"  # never cut to fit 80
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", CRASHING_APP, str(log)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    shown = done.stdout + done.stderr
    assert done.returncode == 1
    assert "courriel s'est arrêté" in shown
    assert str(log) in shown
    assert "courriel doctor --report" in shown
    assert "SECRET-LOCAL-VALUE" not in shown
    assert "Traceback" not in shown
    recorded = log.read_text()
    assert "builtins.RuntimeError (message not logged" in recorded
    assert "in crash" in recorded  # the frame where it happened
    assert "SECRET-LOCAL-VALUE" not in recorded  # locals are never logged either
    assert oct(log.stat().st_mode & 0o777) == "0o600"


def test_doctor_report_prints_versions_paths_and_the_log_tail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main
    from tui.core.errors import MailError

    logs.record(MailError("une erreur passée"), "test")
    assert main(["doctor", "--report"]) == 0
    out = capsys.readouterr().out
    assert "courriel 0." in out
    assert "textual" in out
    assert "une erreur passée" in out


def test_the_log_never_repeats_itself_nor_quotes_python_messages() -> None:
    """Review: a failing row logged a full traceback at every frame, pushing the crash
    out of the rotation; and Python's messages can quote a header or a password."""
    path = logs.current_path()
    before = path.read_text() if path.exists() else ""

    quoted = "'Objet : Rendez-vous avec le proviseur' mot de passe é"

    def failing() -> None:
        raise ValueError(quoted)

    for _ in range(50):
        try:
            failing()
        except ValueError as error:
            logs.record(error, "repeat test")
    added = path.read_text()[len(before) :]
    assert added.count("repeat test") == 1
    assert "proviseur" not in added and "mot de passe" not in added


async def test_threads_after_the_cache_was_rebuilt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #15: after CacheRebuilt the threaded view kept the closed cache, and `t`
    raised « Cannot operate on a closed database »."""
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            mailbox = app.screen
            assert isinstance(mailbox, MailboxScreen)
            for threaded in (False, True):
                if threaded:
                    await pilot.press("t")
                app.post_message(carry(contract.CacheRebuilt()))
                await pilot.pause()
                await pilot.press("t", "j", "t")
                await pilot.pause()
                assert app.is_running
                assert mailbox.messages.total > 0
                assert not any("erreur interne" in text for text in notices(app))
