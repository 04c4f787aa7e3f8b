"""The copy to Sent is never lost: a message the SMTP server accepted waits in the
outbox (not as "unsent") until the IMAP worker has filed it, across an IMAP outage and
a restart, and is filed exactly once."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import raw_client
from tests.test_smtp import account, identity, trust
from tests.test_worker import Events, make_worker
from tui.core.account.contract import CacheChanged, Connected, FileSent, Offline, Stopped
from tui.core.i18n import set_language
from tui.core.mail.compose import Draft, build_message, to_bytes
from tui.core.net.smtp import send_pending
from tui.core.store import outbox
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server

SENT = "Envoyés"  # the bed's \Sent folder


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def copies_in_sent(bed: Bed, user, message_id: str) -> list[int]:  # type: ignore[no-untyped-def]
    with raw_client(bed, user) as client:
        client.select_folder(SENT, readonly=True)
        return list(client.search(["HEADER", "Message-ID", message_id]))


def message_id_of(raw: bytes) -> str:
    return str(message_from_bytes(raw)["Message-ID"])


async def test_sent_while_imap_is_down_is_filed_once_after_a_restart(
    fresh_bed: Bed, tmp_path: Path
) -> None:
    bed, user = fresh_bed, fresh_bed.user
    path = tmp_path / "cache.sqlite"
    cache = Cache.open(path)
    draft = Draft(to="collegue@exterieur.fr", subject="Sortie scolaire", body="Départ 8 h.\n")
    outbox_id = outbox.queue(cache, build_message(identity(user), draft))
    bed.dovecot.stop()

    report = await send_pending(cache, account(bed, user), trust(bed, tmp_path), user.password)
    assert [s.outbox_id for s in report.sent] == [outbox_id]
    # Accepted: no longer "unsent", never sent again, but its copy is still owed.
    assert outbox.pending(cache) == []
    assert [(r.id, r.status) for r in outbox.unfiled(cache)] == [(outbox_id, "sent")]
    again = await send_pending(cache, account(bed, user), trust(bed, tmp_path), user.password)
    assert again.sent == [] and len(bed.smtp.events("delivered")) == 1

    events = Events()
    worker = make_worker(bed, user, path, events, backoff_start=30)
    worker.start()
    events.wait_for(lambda e: isinstance(e, Offline))
    worker.submit(FileSent())  # what the app asks after a send: IMAP is down
    worker.stop()  # the app quits before IMAP comes back
    events.wait_for(lambda e: isinstance(e, Stopped))
    assert [r.id for r in outbox.unfiled(cache)] == [outbox_id]

    bed.dovecot.start()
    events = Events()
    worker = make_worker(bed, user, path, events)  # the next start, on a cache
    worker.start()  # that has never seen the folder list
    events.wait_for(lambda e: isinstance(e, Connected))
    events.wait_for(lambda e: isinstance(e, CacheChanged) and e.folder == SENT)
    worker.stop()
    assert cache.outbox() == []
    assert len(copies_in_sent(bed, user, message_id_of(report.sent[0].raw))) == 1
    cache.close()


def test_a_copy_already_in_sent_is_not_appended_again(bed: Bed, tmp_path: Path) -> None:
    """The append went through but its answer (or the row's removal) was lost: the retry
    finds the copy by Message-ID and only forgets the row, and the reply's original is
    still marked answered."""
    user = bed.new_user()
    original = (
        f"From: Marie Durand <marie.durand@ac-dijon.fr>\r\nTo: {user.email}\r\n"
        "Subject: Conseil de classe\r\nMessage-ID: <conseil-3e@ac-dijon.fr>\r\n\r\nJeudi ?\r\n"
    ).encode()
    bed.dovecot.deliver(user.username, original)
    path = tmp_path / "cache.sqlite"
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, CacheChanged | Connected))
    reply = Draft(
        to="marie.durand@ac-dijon.fr",
        subject="Re: Conseil de classe",
        body="Oui.\n",
        in_reply_to="<conseil-3e@ac-dijon.fr>",
    )
    raw = to_bytes(build_message(identity(user), reply))
    with raw_client(bed, user) as client:
        client.append(SENT, raw, flags=["\\Seen"])  # the earlier attempt's copy
    cache = Cache.open(path)
    outbox_id = outbox.queue(cache, raw)
    outbox.set_status(cache, outbox_id, outbox.SENT)  # as send_pending leaves it

    worker.sync_now()
    events.wait_for(lambda e: isinstance(e, CacheChanged) and e.folder == SENT)
    worker.stop()
    assert cache.outbox() == []
    assert len(copies_in_sent(bed, user, message_id_of(raw))) == 1
    (summary,) = cache.page("INBOX", 0, 10)
    assert "\\Answered" in summary.flags
    cache.close()


async def test_a_message_sent_from_the_app_arrives_once_and_is_filed_in_sent(
    submission: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a user does, through each submission server (aiosmtpd, then Postfix): write,
    Ctrl+S, accept the sending server's certificate; the message arrives once, and its
    copy is in Envoyés once."""
    from textual.widgets import Input, TextArea

    from tests.test_mailbox_server import running
    from tui.screens.certificate import CertificatePrompt
    from tui.screens.compose import ComposeScreen

    bed = submission
    recipient = bed.new_user()
    async with running(bed, tmp_path, monkeypatch, 1) as run:
        await run.pilot.press("c")
        await run.wait(lambda: isinstance(run.app.screen, ComposeScreen))
        compose = run.app.screen
        compose.query_one("#to", Input).value = recipient.email
        compose.query_one("#subject", Input).value = "Sortie au musée"
        compose.query_one("#body", TextArea).text = "Départ à 8 h 30.\n"
        await run.pilot.press("ctrl+s")
        await run.wait(lambda: isinstance(run.app.screen, CertificatePrompt), 20)
        await run.pilot.press("t")  # the sending server's certificate, first time
        await run.wait(lambda: any("Sortie au" in subject for subject in run.server(SENT)), 20)
        bed.smtp.settle()
        with raw_client(bed, recipient) as client:
            client.select_folder("INBOX", readonly=True)
            assert len(client.search(["SUBJECT", "Sortie"])) == 1
        assert list(run.server(SENT).values()) == [("\\Seen",)]
