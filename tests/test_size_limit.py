"""The compose screen warns against the SIZE the SMTP server announced, remembered across
restarts, and against 10 MB while the server has not said."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from textual.widgets import Static

from tests.bed.postfix import Postfix
from tests.bed.smtp import SubmissionServer
from tests.conftest import Bed
from tests.test_compose_screen import Host
from tests.test_smtp import account, identity, inbox, trust
from tui.core.i18n import set_language
from tui.core.mail.compose import Draft, Identity, build_message
from tui.core.net.smtp import send_pending
from tui.core.store import outbox
from tui.core.store.cache import Cache
from tui.screens.compose import Choice, ComposeScreen

pytestmark = pytest.mark.server

LIMIT = 1024 * 1024  # far below the 10 MB default, so only the server's figure can warn


@pytest.fixture(params=["aiosmtpd", "postfix"])
def small_smtp(request: pytest.FixtureRequest, bed: Bed, tmp_path: Path) -> Iterator[Bed]:
    """The shared Dovecot behind a submission server that announces SIZE 1 MB: an
    aiosmtpd of its own, or the shared Postfix's second listener (`message_size_limit`)."""
    if request.param == "postfix":
        postfix = cast(Postfix, request.getfixturevalue("postfix_bed").smtp)
        assert postfix.small_size_limit == LIMIT
        listener = cast(SubmissionServer, postfix.small_listener())
        yield Bed(bed.dovecot, listener, bed.user, bed.other)
        return
    server = SubmissionServer(tmp_path / "smtp-small", bed.dovecot, size_limit=LIMIT)
    server.start()
    try:
        yield Bed(bed.dovecot, server, bed.user, bed.other)
    finally:
        server.stop()


async def compose_and_send(cache: Cache, attachment: Path) -> object:
    """Ctrl+S on a draft with this attachment: the warning dialog, or the queued id."""
    draft = Draft(to="jean.dupont@ac-dijon.fr", subject="Photos", attachments=[str(attachment)])
    app = Host(ComposeScreen(Identity("Élodie Fèvre", "elodie.fevre@ac-dijon.fr"), draft, cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        if isinstance(app.screen, Choice):
            return str(app.screen.query(Static)[1].render())
    return app.result


async def test_server_size_is_remembered_and_warned_against(
    small_smtp: Bed, tmp_path: Path
) -> None:
    set_language("fr")
    bed = small_smtp
    sender = bed.new_user()
    photos = tmp_path / "photos.zip"
    photos.write_bytes(b"\0" * (900 * 1024))  # 1.2 MB once base64-encoded
    path = tmp_path / "cache.db"

    cache = Cache.open(path)
    assert outbox.size_limit(cache) is None
    # Unknown: the 10 MB default applies, so this attachment goes without a word.
    assert isinstance(await compose_and_send(cache, photos), int)
    outbox.discard(cache, outbox.pending(cache)[0].id)

    draft = Draft(to=bed.other.email, subject="Essai", body="Petit message.\n")
    outbox.queue(cache, build_message(identity(sender), draft))
    report = await send_pending(cache, account(bed, sender), trust(bed, tmp_path), sender.password)
    assert report.failed == [] and report.size_limit == LIMIT
    cache.close()

    cache = Cache.open(path)  # the app restarted: the figure is still known
    assert outbox.size_limit(cache) == LIMIT
    warning = await compose_and_send(cache, photos)
    assert isinstance(warning, str)
    assert "limite de 1.0 Mo du serveur" in warning.replace(",", ".")
    assert outbox.pending(cache) == []
    cache.close()


async def test_a_message_just_under_postfixs_size_is_held_as_too_large(
    postfix_bed: Bed, tmp_path: Path
) -> None:
    """Postfix counts its queue file (its own Received: line and envelope included)
    against `message_size_limit`: a message a few hundred bytes under the SIZE it
    announced passes courriel's own check and is refused after DATA with « 552 5.3.4 ».
    Held as too large, in French, with Postfix's words for the help desk."""
    set_language("fr")
    bed = postfix_bed
    small = cast(Postfix, bed.smtp).small_listener()
    sender, recipient = bed.new_user(), bed.new_user()
    head = (
        f"From: {sender.email}\r\nTo: {recipient.email}\r\nSubject: Presque trop gros\r\n"
        "Message-ID: <presque@ac-dijon.fr>\r\n\r\n"
    ).encode()
    line = b"x" * 76 + b"\r\n"
    raw = head + line * ((LIMIT - 300 - len(head)) // len(line))
    assert LIMIT - 400 < len(raw) < LIMIT
    cache = Cache.open(tmp_path / "cache.db")
    outbox_id = cache.add_outbox(raw)
    listener = Bed(bed.dovecot, cast(SubmissionServer, small), bed.user, bed.other)
    report = await send_pending(
        cache, account(listener, sender), trust(listener, tmp_path), sender.password
    )
    (failed,) = report.failed
    assert failed.kind == "too_large" and failed.outbox_id == outbox_id
    assert failed.reason.startswith("Message trop volumineux pour le serveur (552 5.3.4")
    (row,) = cache.outbox()
    assert row.status == "held"  # not retried by itself: it would be refused again
    assert inbox(bed, recipient) == []
    cache.close()
