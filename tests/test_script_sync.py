"""`courriel sync` for cron against the real bed: new mail counted, the outbox sent once
even while another courriel holds a claim on a message, actions replayed only once
their undo window has passed, and exit codes that say what to do (issue #20)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.mail_helpers import message
from tests.script_helpers import Script, free_port, script_account
from tests.test_smtp import inbox
from tui.cli import EXIT_FAILURE, EXIT_OK, EXIT_QUEUED
from tui.core.mail.compose import Draft, Identity, build_message
from tui.core.store import actions, claims, outbox

pytestmark = pytest.mark.server


@pytest.fixture
def script(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Script:
    return script_account(bed, tmp_path, monkeypatch, capsys)


def test_new_mail_is_counted_in_one_line(script: Script, bed: Bed) -> None:
    for n in (1, 2):
        bed.dovecot.deliver(script.user.username, message(n))
    assert script.run("sync") == (EXIT_OK, "courriel sync : Première synchronisation faite.\n", "")
    for n in (3, 4, 5):
        bed.dovecot.deliver(script.user.username, message(n))
    assert script.run("sync") == (EXIT_OK, "courriel sync : 3 nouveaux messages.\n", "")
    assert script.run("sync") == (EXIT_OK, "courriel sync : Aucun nouveau message.\n", "")
    bed.dovecot.deliver(script.user.username, message(6))
    assert script.run("sync", "--quiet") == (EXIT_OK, "", "")
    store = script.store()
    assert store.count("INBOX") == 6
    store.close()


def test_a_message_claimed_by_another_instance_is_sent_once(script: Script, bed: Bed) -> None:
    """The app, open in another SSH session, is sending it: cron leaves it alone; once
    that instance is gone without sending, the next sync sends it, once."""
    recipient = bed.new_user()
    store = script.store()
    draft = Draft(to=recipient.email, subject="Une seule fois", body="Bonjour.\n")
    outbox_id = outbox.queue(store, build_message(Identity("", script.user.email), draft))
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    try:
        host = claims.owner_id().split(":", 1)[0]
        started = claims._started(other.pid)
        token = f"{host}:{other.pid}:{started}:autre-instance:{int(time.time())}"
        assert claims.claim(store, outbox_id, token)
        code, out, _err = script.run("sync")
        assert code == EXIT_OK and "1 message dans la boîte d'envoi" in out
        assert inbox(bed, recipient) == []
        assert [row.status for row in store.outbox()] == [outbox.SENDING]
    finally:
        other.kill()
        other.wait()
    code, out, _err = script.run("sync")
    assert code == EXIT_OK and "1 message envoyé" in out
    assert len(inbox(bed, recipient)) == 1
    assert script.run("sync")[0] == EXIT_OK
    assert len(inbox(bed, recipient)) == 1
    assert len(inbox(bed, script.user, "Envoyés")) == 1
    assert store.outbox() == []
    store.close()


def test_actions_reach_the_server_only_once_their_undo_window_has_passed(
    script: Script, bed: Bed
) -> None:
    for n in (1, 2):
        bed.dovecot.deliver(script.user.username, message(n))
    assert script.run("sync")[0] == EXIT_OK
    store = script.store()
    old, recent = sorted(summary.uid for summary in store.page("INBOX", 0, 10))
    (op_id,) = actions.delete(store, "INBOX", [old])
    with store.transaction() as db:  # deleted a minute ago, in the app
        db.execute("UPDATE pending_ops SET created = created - 60 WHERE id = ?", (op_id,))
    actions.delete(store, "INBOX", [recent])  # just now: still undoable
    assert script.run("sync")[0] == EXIT_OK
    assert [uid for uid, _raw, _flags in inbox(bed, script.user)] == [recent]
    assert len(inbox(bed, script.user, "Corbeille")) == 1
    assert len(store.pending_ops()) == 1  # the recent one waits for its window
    store.close()


def test_an_unreachable_server_exits_75(script: Script) -> None:
    script.set_account(imap_port=free_port())
    code, out, err = script.run("sync")
    assert code == EXIT_QUEUED
    assert "injoignable" in err and "courriel doctor" in err
    assert out == "courriel sync : Synchronisation interrompue.\n"


def test_an_unknown_certificate_is_left_to_the_user(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = script_account(bed, tmp_path, monkeypatch, capsys, trusted=False)
    code, _out, err = script.run("sync", "--quiet")
    assert code == EXIT_FAILURE
    assert "lancez courriel une fois" in err
    assert bed.dovecot.logins(script.user.username) == 0  # nothing sent before a decision
    assert not (tmp_path / "xdg_config_home" / "courriel" / "trust.toml").exists()


def test_without_a_password_and_without_a_terminal_it_says_what_to_set(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = script_account(
        bed, tmp_path, monkeypatch, capsys, password_command="", password_source="ask"
    )
    code, out, err = script.run("sync")
    assert code == EXIT_FAILURE and out == ""
    assert "password_command" in err
