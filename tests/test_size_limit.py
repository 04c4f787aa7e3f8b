"""The compose screen warns against the SIZE the SMTP server announced, remembered across
restarts, and against 10 MB while the server has not said."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.bed.smtp import SubmissionServer
from tests.conftest import Bed
from tests.test_compose_screen import Host
from tests.test_smtp import account, identity, trust
from tui.core.i18n import set_language
from tui.core.mail.compose import Draft, Identity, build_message
from tui.core.net.smtp import send_pending
from tui.core.store import outbox
from tui.core.store.cache import Cache
from tui.screens.compose import Choice, ComposeScreen

pytestmark = pytest.mark.server

LIMIT = 1024 * 1024  # far below the 10 MB default, so only the server's figure can warn


@pytest.fixture
def small_smtp(bed: Bed, tmp_path: Path) -> Iterator[Bed]:
    """The shared Dovecot behind a submission server of its own that announces SIZE 1 MB."""
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
