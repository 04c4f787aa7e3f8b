"""Every widget that shows message data goes through the sanitiser and never parses markup.

A mailbox whose folder names, senders, subjects, bodies and attachment names carry
escape sequences, C1 controls, bidi overrides and Textual markup is shown in the real
app; the rendered text of each widget is checked, and clicking the markup does nothing.
"""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from tui.account import Account
from tui.app import CourrielApp
from tui.config import Config, defaults
from tui.core.mail.sanitize import is_clean
from tui.core.store.cache import Cache
from tui.core.store.records import FolderRow
from tui.demo import seed_messages
from tui.widgets.folder_list import FolderList
from tui.widgets.message_list import MessageList
from tui.widgets.reader import Reader

MARKUP = "[@click=app.quit]clic[/]"
HOSTILE = f"\x1b]0;pwned\x07\x1b[31m{MARKUP} \u202eexe.fdp\x9b2J [b]gras[/b]"
HOSTILE_FOLDER = "Projets\x1b]52;c;cGF5bG9hZA==\x1b\\[@click=app.quit]x"


def hostile_message() -> bytes:
    message = EmailMessage()
    message["From"] = f'"{MARKUP} Rectorat" <pirate@example.org>'
    message["To"] = "marie.durand@ac-dijon.fr"
    message["Subject"] = HOSTILE
    message["Date"] = "Mon, 23 Nov 2026 09:14:00 +0100"
    message.set_content(f"Corps {HOSTILE}\n\x1bP+q544e\x1b\\ fin")
    message.add_attachment(
        b"%PDF-1.4\n", maintype="application", subtype="pdf", filename=f"{MARKUP}\u202efdp.exe"
    )
    return bytes(message)


@pytest.fixture
def app(tmp_path: Path) -> CourrielApp:
    cache = Cache.open(tmp_path / "cache.sqlite3")
    folders = [
        FolderRow("INBOX", "/", "inbox", 0, 0, ()),
        FolderRow(HOSTILE_FOLDER, "/", None, 0, 0, ()),
    ]
    seed_messages(cache, folders, [("INBOX", hostile_message(), frozenset())])
    config = Config(path=tmp_path / "config.toml", values=defaults())
    return CourrielApp(config, Account(config, cache, demo=True))


def assert_safe(text: str) -> None:
    assert is_clean(text), repr(text)
    assert "\x1b" not in text and "\x9b" not in text and "\u202e" not in text


def widget_text(widget: object) -> str:
    if isinstance(widget, Reader):  # draws its own lines: the text and what is on screen
        drawn = ("".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height))
        return widget.text + "\n" + "\n".join(drawn)
    return "\n".join(str(static.render()) for static in widget.query("Static"))  # type: ignore[attr-defined]


async def test_every_widget_shows_hostile_data_literally_and_inertly(app: CourrielApp) -> None:
    async with app.run_test(size=(130, 40), notifications=True) as pilot:
        await pilot.pause()
        screen = app.screen
        messages = screen.query_one(MessageList)
        row = "".join(segment.text for segment in messages.render_line(0))
        assert_safe(row)
        assert MARKUP in row

        reader = screen.query_one(Reader)
        shown = widget_text(reader)
        assert_safe(shown)
        assert MARKUP in shown  # header, body and attachment name all literal
        assert "exe.fdp [b]gras[/b]" in shown and "pwned" not in shown
        assert "fdp.exe" in shown

        folders = screen.query_one(FolderList)
        labels = " ".join(str(folders.get_option_at_index(i).prompt) for i in range(2))
        assert_safe(labels)
        assert "[@click=app.quit]x" in labels

        # Click on the markup in the reader header and in the list: no action runs.
        await pilot.click(Reader, offset=(12, 0))
        await pilot.click(MessageList, offset=(40, 0))
        await pilot.pause()
        assert app.is_running

        # Search results and a notification built from the subject.
        await pilot.press("slash", *"Corps", "enter")
        await pilot.pause()
        result = "".join(segment.text for segment in messages.render_line(0))
        assert_safe(result)
        assert MARKUP in result
        app.notify(HOSTILE)
        await pilot.pause()
        last = list(app._notifications)[-1]
        assert_safe(last.message)
        assert MARKUP in last.message
        assert app.is_running
