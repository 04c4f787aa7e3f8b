"""Forwarding a message with attachments (issue #17): the compose screen lists what will
be forwarded, and an attachment removed there is not sent, nor kept in the draft."""

from __future__ import annotations

import base64
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from typing import Any

from textual.screen import Screen
from textual.widgets import OptionList

from tests.test_compose_screen import Host
from tui.core.mail.compose import Draft, Identity, build_message, to_bytes
from tui.core.mail.new_drafts import forward_draft
from tui.core.store import outbox
from tui.screens.compose import ComposeScreen

HOSTILE = "[@click=app.quit]x[/]"
REPORT = b"%PDF-1.4 compte rendu du conseil " * 64  # 2,1 Ko
SECRET = b"NOTES-PERSONNELLES-A-NE-PAS-TRANSFERER " * 40  # 1,5 Ko


def original() -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = "Claire Martin <claire.martin@ac-dijon.fr>"
    msg["To"] = "marie.durand@ac-dijon.fr"
    msg["Subject"] = "Conseil de classe"
    msg["Date"] = "Mon, 23 Nov 2026 09:14:00 +0000"
    msg["Message-ID"] = "<conseil@ac-dijon.fr>"
    msg.set_content("Voici les documents.\n")
    msg.add_attachment(
        SECRET, maintype="text", subtype="plain", filename=f"notes {HOSTILE}\u202e.txt"
    )
    msg.add_attachment(REPORT, maintype="application", subtype="pdf", filename="compte-rendu.pdf")
    return msg.as_bytes()


def sent_attachments(raw: bytes) -> list[tuple[str, bytes]]:
    msg = message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    return [(part.get_filename() or "", part.get_content()) for part in msg.iter_attachments()]


def labels(screen: Screen[Any]) -> list[str]:
    options = screen.query_one("#attachments", OptionList)
    if not options.display:
        return []
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def forward(identity: Identity) -> tuple[Draft, bytes]:
    raw = original()
    draft = forward_draft(identity, raw, folder="INBOX", uid=1)
    draft.to = "jean.dupont@ac-dijon.fr"
    return draft, raw


async def test_forwarded_attachments_are_listed_and_one_can_be_removed(demo) -> None:
    identity, cache = demo
    draft, raw = forward(identity)
    app = Host(ComposeScreen(identity, draft, cache, original_raw=raw))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        shown = labels(screen)
        assert len(shown) == 2
        # The name as the sender wrote it, made safe: markup literal, no bidi control.
        assert f"notes {HOSTILE}" in shown[0] and "\u202e" not in shown[0]
        assert "1,5 Ko" in shown[0]
        assert "compte-rendu.pdf" in shown[1] and "2,1 Ko" in shown[1]
        await pilot.click("#attachments")  # clicking the hostile name runs nothing
        await pilot.pause()
        assert app.is_running and app.screen is screen

        options = screen.query_one("#attachments", OptionList)
        options.focus()
        options.highlighted = 0
        await pilot.press("delete")
        await pilot.pause()
        shown = labels(screen)
        assert len(shown) == 1 and "compte-rendu.pdf" in shown[0]

        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.result, int)
    (queued,) = outbox.pending(cache)
    assert [name for name, _data in sent_attachments(queued.raw)] == ["compte-rendu.pdf"]
    assert b"NOTES-PERSONNELLES" not in queued.raw
    assert base64.b64encode(SECRET)[:40] not in queued.raw
    assert b"notes" not in queued.raw


async def test_removal_is_kept_in_the_saved_draft(demo) -> None:
    identity, cache = demo
    draft, raw = forward(identity)
    app = Host(ComposeScreen(identity, draft, cache, original_raw=raw))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        options = screen.query_one("#attachments", OptionList)
        options.focus()
        options.highlighted = 1
        await pilot.press("delete")  # the report this time
        await pilot.pause()
        await pilot.press("ctrl+d")
        await pilot.pause()
    ((draft_id, saved),) = outbox.load_drafts(cache)

    # Reopened from the drafts, it lists what is left, and sends only that.
    app = Host(ComposeScreen(identity, saved, cache, draft_id=draft_id, original_raw=raw))
    async with app.run_test(size=(100, 30)) as pilot:
        shown = labels(app.screen)
        assert len(shown) == 1 and "notes" in shown[0]
    sent = to_bytes(build_message(identity, saved, original_raw=raw))
    assert [data for _name, data in sent_attachments(sent)] == [SECRET.decode()]
    assert base64.b64encode(REPORT)[:40] not in sent
