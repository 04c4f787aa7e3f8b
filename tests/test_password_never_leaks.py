"""A full session — sync, read, send, a wrong password — with a sentinel password, then
every file the client wrote and every log line is searched for it. DESIGN.md: never in a
log, a cache, a trust file, a config or an exception message."""

from __future__ import annotations

import asyncio
import logging
import queue
from pathlib import Path

import pytest

from tests.conftest import Bed
from tui.config_write import save_config
from tui.core.account import contract
from tui.core.account import worker as w
from tui.core.mail.compose import Draft, Identity, build_message
from tui.core.net.smtp import send_pending
from tui.core.net.trust import TrustStore
from tui.core.store import outbox
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server

SENTINEL = "Sentinelle-7f3a9c-Ne-Doit-Pas-Fuir!"


def wait_for(
    events: queue.Queue[contract.Event], kind: type, timeout: float = 20
) -> contract.Event:
    while True:
        event = events.get(timeout=timeout)
        if isinstance(event, kind):
            return event


def all_bytes(root: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in root.rglob("*") if p.is_file()]


def test_sentinel_password_appears_nowhere(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    user = bed.dovecot.add_user("sentinelle", SENTINEL)
    bed.dovecot.deliver(user.username, b"Subject: bonjour\r\n\r\nCorps du message.\r\n")
    config_path = tmp_path / "xdg_config_home" / "courriel" / "config.toml"
    account = {
        "username": user.username,
        "email": user.email,
        "display_name": "Sentinelle",
        "imap_host": "localhost",
        "imap_port": bed.imap_port,
        "smtp_host": "localhost",
        "smtp_port": bed.smtp_port,
    }
    save_config(config_path, {"account": account})
    trust = TrustStore(config_path.parent / "trust.toml")
    cache_path = tmp_path / "xdg_cache_home" / "courriel" / "cache.sqlite3"
    cache_path.parent.mkdir(parents=True)

    # First contact: the certificate needs a decision; accept it always (pins to a file).
    events: queue.Queue[contract.Event] = queue.Queue()
    worker = w.AccountWorker(
        host="localhost",
        port=bed.imap_port,
        username=user.username,
        password=SENTINEL,
        trust=trust,
        cache_path=cache_path,
        on_event=events.put,
    )
    worker.start()
    try:
        decision = wait_for(events, contract.CertificateDecisionNeeded)
        trust.accept_always(decision.error.info)  # type: ignore[attr-defined]
        worker.resume()
        wait_for(events, contract.SyncDone)
        cache = Cache.open(cache_path)
        uid = cache.page("INBOX", 0, 1)[0].uid
        worker.submit(contract.FetchBody("INBOX", uid))
        wait_for(events, contract.BodyReady)
        assert cache.body("INBOX", uid) is not None

        # Send a message through the durable outbox.
        smtp_trust = TrustStore(config_path.parent / "trust.toml", cafile=bed.smtp.cert)
        identity = Identity.from_account(account)
        draft = Draft(to=user.email, subject="Essai", body="Texte.", kind="new")
        outbox.queue(cache, build_message(identity, draft))
        report = asyncio.run(send_pending(cache, account, smtp_trust, SENTINEL))
        assert report.sent and not report.failed

        # A wrong password: refused and kept in the outbox with a reason, nothing leaked.
        outbox.queue(cache, build_message(identity, draft))
        refused = asyncio.run(send_pending(cache, account, smtp_trust, SENTINEL + "x"))
        assert refused.failed and refused.failed[0].kind == "auth"
        cache.close()
    finally:
        worker.stop()

    for path, content in all_bytes(tmp_path):
        assert SENTINEL.encode() not in content, f"password written to {path}"
    assert SENTINEL not in caplog.text
