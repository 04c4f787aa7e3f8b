"""`courriel send` against the real bed: delivered once, one copy in Sent, and queued
with a clear message and exit code 75 whenever it cannot leave now (issue #20)."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.conftest import Bed
from tests.script_helpers import Script, free_port, script_account
from tests.test_smtp import inbox
from tui.cli import EXIT_FAILURE, EXIT_OK, EXIT_QUEUED, EXIT_USAGE
from tui.core.store import outbox

pytestmark = pytest.mark.server

TO = ["--to", "a@ac-dijon.fr", "--subject", "x"]
BODY = "Bonjour,\n\nLe conseil de classe est jeudi à 17 h.\n".encode()


@pytest.fixture
def script(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Script:
    return script_account(bed, tmp_path, monkeypatch, capsys)


def sent_copies(script: Script) -> list[bytes]:
    return [raw for _uid, raw, _flags in inbox(script.bed, script.user, "Envoyés")]


def rows(script: Script) -> list[tuple[str, str]]:
    store = script.store()
    try:
        return [(row.status, row.last_error) for row in store.outbox()]
    finally:
        store.close()


def test_a_message_arrives_once_and_its_copy_is_in_sent(
    script: Script, bed: Bed, tmp_path: Path
) -> None:
    recipient = bed.new_user()
    notes = tmp_path / "notes 3e B.pdf"
    notes.write_bytes(b"%PDF-1.4\n%%EOF\n")
    code, out, err = script.run(
        "send",
        "--to",
        recipient.email,
        "--subject",
        "Conseil de classe",
        "--attach",
        str(notes),
        stdin=BODY,
    )
    assert (code, err) == (EXIT_OK, "")
    assert f"Message envoyé à {recipient.email}." in out
    (delivered,) = inbox(bed, recipient)
    message = message_from_bytes(delivered[1], policy=policy.default)
    assert message["Subject"] == "Conseil de classe"
    assert "jeudi à 17 h" in message.get_body().get_content()  # type: ignore[union-attr]
    assert [part.get_filename() for part in message.iter_attachments()] == ["notes 3e B.pdf"]
    (copy,) = sent_copies(script)
    assert message_from_bytes(copy)["Message-ID"] == message["Message-ID"]
    assert rows(script) == []  # sent and filed: nothing left in the outbox


def test_a_line_break_in_the_subject_adds_no_header(script: Script, bed: Bed) -> None:
    recipient = bed.new_user()
    subject = "Bonjour\r\nBcc: espion@exemple.com\nX-Priority: 1"
    code, _out, err = script.run("send", "--to", recipient.email, "--subject", subject)
    assert (code, err) == (EXIT_OK, "")
    (delivered,) = inbox(bed, recipient)
    message = message_from_bytes(delivered[1], policy=policy.default)
    assert message["Subject"] == "Bonjour Bcc: espion@exemple.com X-Priority: 1"
    assert message["Bcc"] is None and message["X-Priority"] is None


def test_smtp_down_keeps_the_message_queued_then_sync_sends_it_once(
    script: Script, bed: Bed
) -> None:
    recipient = bed.new_user()
    script.set_account(smtp_port=free_port())
    code, out, err = script.run(
        "send", "--to", recipient.email, "--subject", "Sortie scolaire", stdin=BODY
    )
    assert code == EXIT_QUEUED and out == ""
    assert "attend dans la boîte d'envoi" in err and "courriel sync" in err
    assert [status for status, _error in rows(script)] == [outbox.QUEUED]
    assert inbox(bed, recipient) == []

    script.set_account(smtp_port=bed.smtp_port)  # the server is back
    code, out, _err = script.run("sync")
    assert code == EXIT_OK and "1 message envoyé" in out
    assert len(inbox(bed, recipient)) == 1
    assert len(sent_copies(script)) == 1
    assert script.run("sync")[0] == EXIT_OK
    assert len(inbox(bed, recipient)) == 1  # never twice


def test_without_a_password_a_script_may_use_the_message_waits(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """« Ask once per session » cannot ask: stdin is the message."""
    script = script_account(
        bed, tmp_path, monkeypatch, capsys, password_command="", password_source="ask"
    )
    recipient = bed.new_user()
    code, _out, err = script.run("send", "--to", recipient.email, "--subject", "Réunion")
    assert code == EXIT_QUEUED
    assert "password_command" in err and "trousseau" in err
    assert "attend dans la boîte d'envoi" in err
    assert [status for status, _error in rows(script)] == [outbox.QUEUED]


def test_an_unknown_certificate_is_never_accepted_from_a_script(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = script_account(bed, tmp_path, monkeypatch, capsys, trusted=False)
    recipient = bed.new_user()
    code, _out, err = script.run("send", "--to", recipient.email, "--subject", "Réunion")
    assert code == EXIT_QUEUED
    assert "lancez courriel une fois" in err and "attend dans la boîte d'envoi" in err
    assert not (tmp_path / "xdg_config_home" / "courriel" / "trust.toml").exists()
    assert [status for status, _error in rows(script)] == [outbox.QUEUED]
    assert inbox(bed, recipient) == []


def test_a_refused_recipient_holds_the_message_and_exits_1(script: Script) -> None:
    code, _out, err = script.run("send", "--to", "inconnu@ac-dijon.fr", "--subject", "x")
    assert code == EXIT_FAILURE
    assert "Destinataire refusé" in err and "touche o" in err
    assert [status for status, _error in rows(script)] == [outbox.HELD]


@pytest.mark.parametrize(
    ("args", "stdin", "said"),
    [
        (["--to", "marie.durand@ac-dijon", "--subject", "x"], b"", "--to : Adresse invalide"),
        (["--to", "Marie <marie@ac-dijon.fr", "--subject", "x"], b"", "chevrons"),
        (["--cc", "élodie@ac-dijon.fr", "--subject", "x"], b"", "--cc : Adresse invalide"),
        (["--subject", "x"], b"", "au moins un destinataire"),
        (["--to", "a@ac-dijon.fr", "--subject", "x"], b"caf\xe9\n", "pas en UTF-8"),
        (
            ["--to", "a@ac-dijon.fr", "--subject", "x", "--attach", "/nulle/part"],
            b"",
            "introuvable",
        ),
        (["--to", "a@ac-dijon.fr", "--subject", "x", "--attach", "/tmp"], b"", "est un dossier"),
    ],
)
def test_what_is_wrong_in_the_command_is_said_and_nothing_is_queued(
    script: Script, args: list[str], stdin: bytes, said: str
) -> None:
    code, out, err = script.run("send", *args, stdin=stdin)
    assert code == EXIT_USAGE and out == ""
    assert said in err and "Traceback" not in err
    assert rows(script) == []


def test_a_missing_subject_is_a_usage_error(script: Script) -> None:
    with pytest.raises(SystemExit) as exit_:
        script.run("send", "--to", "a@ac-dijon.fr")
    assert exit_.value.code == EXIT_USAGE
    assert "arguments obligatoires manquants : --subject" in script.capsys.readouterr().err


def test_the_body_is_bounded(script: Script, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui import cli_send

    monkeypatch.setattr(cli_send, "MAX_BODY_BYTES", 100)
    code, _out, err = script.run(
        "send", "--to", "a@ac-dijon.fr", "--subject", "x", stdin=b"x" * 101
    )
    assert code == EXIT_USAGE and "dépasse" in err
    assert rows(script) == []
