"""`courriel send`, `sync` and `doctor` with several accounts (#20): --account or
--from picks one, `sync` does them all, a name that matches none gets a suggestion."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.script_helpers import Script, free_port, script_account
from tests.test_app_server import message
from tests.test_smtp import inbox
from tui.cli import EXIT_OK, EXIT_QUEUED, EXIT_USAGE
from tui.config import load_config
from tui.config_write import add_account
from tui.session import cache_path

pytestmark = pytest.mark.server


@pytest.fixture
def script(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Script:
    """The first account as the other script tests have it, and a second one, « Collège »."""
    first = script_account(bed, tmp_path, monkeypatch, capsys)
    second = bed.new_user("college")
    add_account(
        first.config,
        {
            "label": "Collège",
            "username": second.username,
            "email": second.email,
            "imap_host": "localhost",
            "imap_port": bed.imap_port,
            "smtp_host": "localhost",
            "smtp_port": bed.smtp_port,
            "password_command": f"echo {second.password}",
        },
    )
    first.second = second  # type: ignore[attr-defined]
    return first


def test_send_from_the_account_named(script: Script, bed: Bed) -> None:
    second = script.second  # type: ignore[attr-defined]
    recipient = bed.new_user()
    for option in (("--account", "collège"), ("--from", second.email)):
        code, _out, err = script.run(
            "send", *option, "--to", recipient.email, "--subject", "Du collège", stdin=b"Bonjour\n"
        )
        assert (code, err) == (EXIT_OK, "")
    delivered = inbox(bed, recipient)
    assert len(delivered) == 2
    for _uid, raw, _flags in delivered:
        assert second.email in message_from_bytes(raw)["From"]
    successes = [e["username"] for e in bed.smtp.events("auth") if e["success"]]
    assert second.username in successes
    # The copies are in the second account's Sent, none in the first's.
    assert len(inbox(bed, second, "Envoyés")) == 2
    assert not [e for e in inbox(bed, script.user, "Envoyés")]


def test_an_unknown_account_is_a_usage_error_with_a_suggestion(script: Script) -> None:
    code, _out, err = script.run("send", "--account", "Colège", "--subject", "x", stdin=b"x\n")
    assert code == EXIT_USAGE
    assert "Aucun compte « Colège »" in err and "Vouliez-vous dire « Collège » ?" in err


def test_sync_does_every_account_and_one_down_stops_no_other(script: Script, bed: Bed) -> None:
    second = script.second  # type: ignore[attr-defined]
    bed.dovecot.deliver(script.user.username, message(1))
    bed.dovecot.deliver(second.username, message(2))
    code, out, _err = script.run("sync")
    assert code == EXIT_OK
    assert out.count("Première synchronisation faite") == 2 and "Collège" in out
    config = load_config(script.config)
    paths = {cache_path(config.for_account(i)) for i in range(2)}
    assert len(paths) == 2 and all(p.exists() for p in paths)

    # The first account's server goes away: the second still syncs; the code says so.
    script.set_account(imap_port=free_port(), smtp_port=free_port())
    bed.dovecot.deliver(second.username, message(3))
    code, out, _err = script.run("sync")
    assert code == EXIT_QUEUED
    assert "Collège : 1 nouveau message" in out

    code, out, _err = script.run("sync", "--account", "Collège")
    assert code == EXIT_OK and "Aucun nouveau message" in out


def test_doctor_tests_every_account_or_the_one_named(script: Script) -> None:
    second = script.second  # type: ignore[attr-defined]
    code, out, _err = script.run("doctor")
    assert code == EXIT_OK
    assert f"« {script.user.username} »" in out and f"« {second.username} »" in out
    code, out, _err = script.run("doctor", "--account", "Collège")
    assert code == EXIT_OK
    assert f"« {second.username} »" in out and f"« {script.user.username} »" not in out


def test_contacts_go_to_the_address_book_of_the_account_named(
    script: Script, tmp_path: Path
) -> None:
    """Each account has its own address book (its durable store): `--account` picks it,
    as for `send` and `sync`; without it the first account's."""
    from tui.core.store import contacts
    from tui.scripts import open_store

    file = tmp_path / "carnet.vcf"
    file.write_bytes(
        b"BEGIN:VCARD\r\nFN:Claire Petit\r\nEMAIL:claire.petit@ac-dijon.fr\r\nEND:VCARD\r\n"
    )
    code, _out, err = script.run("contacts", "import", "--account", "Collège", str(file))
    assert (code, err) == (EXIT_OK, "")
    config = load_config(script.config)
    found = []
    for index in range(2):
        store = open_store(config.for_account(index))
        try:
            found.append([c.address for c in contacts.all_contacts(store)])
        finally:
            store.close()
    assert found == [[], ["claire.petit@ac-dijon.fr"]]
