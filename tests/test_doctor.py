"""`courriel doctor` against the real Dovecot and SMTP servers: exit codes, text, JSON."""

from __future__ import annotations

import argparse
import io
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bed.dovecot import User, free_port
from tests.conftest import Bed
from tui.commands import add_doctor
from tui.core.diagnose.checkup import STEPS
from tui.core.i18n import set_language
from tui.doctor import run
from tui.presets import DIJON

pytestmark = pytest.mark.server
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")


def _ca_file(tmp_path: Path, *certs: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("".join(cert.read_text() for cert in certs))
    return path


@pytest.fixture
def env(tmp_path: Path, bed: Bed, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config folder of the test's own, and the bed's certificates trusted via SSL_CERT_FILE."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("SSL_CERT_FILE", str(_ca_file(tmp_path, bed.dovecot.cert, bed.smtp.cert)))
    return tmp_path


@pytest.fixture
def submission_env(tmp_path: Path, submission: Bed, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`env` for the tests run against each submission server, aiosmtpd then Postfix."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    cafile = _ca_file(tmp_path, submission.dovecot.cert, submission.smtp.cert)
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))
    return tmp_path


def write_config(
    folder: Path,
    user: User,
    *,
    imap_port: int,
    smtp_port: int,
    username: str | None = None,
    password: str | None = None,
) -> Path:
    lines = [
        "[account]",
        f"username = {json.dumps(username if username is not None else user.username)}",
        'imap_host = "localhost"',
        f"imap_port = {imap_port}",
        'smtp_host = "localhost"',
        f"smtp_port = {smtp_port}",
    ]
    secret = user.password if password is None else password
    if secret:
        lines += [
            'password_source = "command"',
            f"password_command = {json.dumps('printf %s ' + secret)}",
        ]
    else:
        lines.append('password_source = "ask"')
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def config_for(bed: Bed, folder: Path, user: User, **kwargs: object) -> Path:
    kwargs.setdefault("imap_port", bed.imap_port)
    kwargs.setdefault("smtp_port", bed.smtp_port)
    return write_config(folder, user, **kwargs)  # type: ignore[arg-type]


def doctor(config: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path)
    parser.add_argument("--lang")
    add_doctor(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["--config", str(config), "doctor", *argv])
    out = io.StringIO()
    code = run(args, out)
    return code, out.getvalue()


def doctor_json(config: Path, *argv: str) -> tuple[int, dict[str, object]]:
    code, text = doctor(config, "--json", *argv)
    return code, json.loads(text)


def _steps(data: dict[str, object]) -> list[dict[str, object]]:
    steps = data["steps"]
    assert isinstance(steps, list)
    return steps


def _diagnosis(data: dict[str, object]) -> dict[str, object]:
    diagnosis = data["diagnosis"]
    assert isinstance(diagnosis, dict)
    return diagnosis


# --- success ---------------------------------------------------------------------------


def test_all_steps_pass_exit_zero_and_print_each_step(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    code, text = doctor(config_for(bed, env, user))
    assert code == 0, text
    assert text.count("✓") == len(STEPS) and "✗" not in text
    for label in ("Résolution du nom", "Chiffrement SSL/TLS", "Identification (envoi)"):
        assert label in text
    assert " s " in text  # each step's time, whatever it is
    assert "Tout fonctionne." in text
    # For the help desk (issue #17): which courriel, which file, where the log is.
    from tui import __version__

    assert f"courriel {__version__}" in text and "journal : " in text and "config" in text


def test_the_sending_step_passes_on_each_submission_server(
    submission: Bed, submission_env: Path
) -> None:
    bed = submission
    user = bed.new_user()
    code, text = doctor(config_for(bed, submission_env, user))
    assert code == 0, text
    assert "✓ Identification (envoi)" in text and f"port {bed.smtp_port}" in text


def test_sending_refused_alone_is_not_called_a_wrong_password(
    submission: Bed, submission_env: Path
) -> None:
    """The account may read its mail but not send (Dovecot refuses it to « smtp » only,
    as a server bars a compromised account): the reception step has just proved the
    password, so the diagnosis says so instead of the NUMEN and reset advice."""
    bed = submission
    user = bed.new_user()
    bed.dovecot.deny(user.username, "smtp")
    code, data = doctor_json(config_for(bed, submission_env, user))
    assert code == 1
    steps = _steps(data)
    assert [s["ok"] for s in steps][-2:] == [True, False]
    assert steps[-1]["name"] == "smtp_login" and data["not_run"] == ["folders"]
    diagnosis = _diagnosis(data)
    assert diagnosis["kind"] == "sending_refused"
    assert DIJON.webmail_url in " ".join(map(str, diagnosis["steps"]))  # type: ignore[call-overload]
    assert "535" in str(diagnosis["technical"])
    code, printed = doctor(config_for(bed, submission_env, user))
    assert "✗ Identification (envoi)" in printed and "Envoi refusé pour ce compte" in printed
    assert "NUMEN" not in printed and "vient d'accepter" in printed


def test_json_schema(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    code, data = doctor_json(config_for(bed, env, user))
    assert code == 0
    assert data["schema"] == 1 and data["ok"] is True
    assert {"version", "config_path", "log_path"} <= set(data)
    assert data["diagnosis"] is None and data["certificate"] is None
    assert data["not_run"] == []
    steps = _steps(data)
    assert [step["name"] for step in steps] == list(STEPS)
    for step in steps:
        assert {"name", "label", "ok", "seconds", "detail", "diagnosis"} <= set(step)
        assert step["ok"] is True
        assert isinstance(step["seconds"], float | int) and isinstance(step["detail"], str)
    assert data["account"] == {
        "typed_username": user.username,
        "username": user.username,
        "imap": {"host": "localhost", "port": bed.imap_port},
        "smtp": {"host": "localhost", "port": bed.smtp_port},
    }
    assert "Mo" in str(steps[-1]["detail"])  # the quota the server announced


def test_full_address_is_normalised_and_logs_in(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    config = config_for(bed, env, user, username=user.email.upper())
    code, data = doctor_json(config)
    assert code == 0, data
    account = data["account"]
    assert isinstance(account, dict) and account["username"] == user.username
    notes = data["notes"]
    assert isinstance(notes, list) and any("identifiant court" in note for note in notes)
    code, text = doctor(config)
    assert code == 0 and "identifiant court" in text


def test_username_option_overrides_the_config(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    config = config_for(bed, env, user, username="quelquun.dautre")
    code, _text = doctor(config, "--username", user.email)
    assert code == 0


# --- failures ---------------------------------------------------------------------------


def test_wrong_password_gives_the_authentication_explanation(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    code, data = doctor_json(config_for(bed, env, user, password="Pas-le-bon-1!"))
    assert code == 1
    steps = _steps(data)
    assert steps[-1]["name"] == "imap_login" and steps[-1]["ok"] is False
    assert data["not_run"] == ["smtp_login", "folders"]  # no second wrong login
    diagnosis = _diagnosis(data)
    assert diagnosis["kind"] == "auth"
    text = json.dumps(diagnosis, ensure_ascii=False)
    assert "NUMEN" in text and "J'initialise mon mot de passe" in text
    assert DIJON.helpdesk_phone in text

    code, printed = doctor(config_for(bed, env, user, password="Pas-le-bon-1!"))
    assert code == 1
    assert "✗ Identification (réception)" in printed
    assert "non testé" in printed and "Que faire :" in printed
    assert "Pas-le-bon-1!" not in printed


def test_server_stopped_gives_the_connection_explanation(
    fresh_bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv(
        "SSL_CERT_FILE", str(_ca_file(tmp_path, fresh_bed.dovecot.cert, fresh_bed.smtp.cert))
    )
    user = fresh_bed.new_user()
    config = config_for(fresh_bed, tmp_path, user)
    fresh_bed.dovecot.stop()
    code, data = doctor_json(config)
    assert code == 1
    steps = _steps(data)
    assert steps[-1]["name"] == "tcp" and steps[-1]["ok"] is False
    diagnosis = _diagnosis(data)
    assert diagnosis["kind"] == "refused"
    text = json.dumps(diagnosis, ensure_ascii=False)
    assert "maintenance" in text and DIJON.webmail_url in text


def test_closed_port_is_refused(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    code, data = doctor_json(config_for(bed, env, user, imap_port=free_port()))
    assert code == 1
    assert _steps(data)[-1]["name"] == "tcp"
    assert _diagnosis(data)["kind"] == "refused"


def test_smtp_port_given_as_imap_port_is_a_wrong_port(
    submission: Bed, submission_env: Path
) -> None:
    """Postfix greets « 220 smtp.test.invalid ESMTP Postfix (Debian/GNU) »: not IMAP."""
    bed, env = submission, submission_env
    user = bed.new_user()
    code, data = doctor_json(config_for(bed, env, user, imap_port=bed.smtp_port))
    assert code == 1
    assert _steps(data)[-1]["name"] == "imap_login"
    diagnosis = _diagnosis(data)
    assert diagnosis["kind"] == "wrong_port"
    assert "993" in str(diagnosis["explanation"]) and "465" in str(diagnosis["explanation"])


@pytest.fixture
def plaintext_port() -> Iterator[int]:
    """A port that greets in plain text, like IMAP 143 or SMTP 587 before STARTTLS."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"* OK IMAP4rev1 Service Ready\r\n")
                conn.settimeout(2)
                try:
                    conn.recv(4096)
                    conn.sendall(b"* BAD Error in IMAP command\r\n")
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join(5)
    server.close()


def test_plaintext_server_fails_tls_as_a_wrong_port(
    bed: Bed, env: Path, plaintext_port: int
) -> None:
    user = bed.new_user()
    code, data = doctor_json(config_for(bed, env, user, imap_port=plaintext_port))
    assert code == 1
    assert _steps(data)[-1]["name"] == "tls"
    diagnosis = _diagnosis(data)
    assert diagnosis["kind"] == "wrong_port"
    assert "WRONG_VERSION_NUMBER" in str(diagnosis["technical"])


def test_missing_username_and_impossible_username(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    code, data = doctor_json(config_for(bed, env, user, username=""))
    assert code == 1 and _diagnosis(data)["kind"] == "config" and _steps(data) == []
    code, data = doctor_json(config_for(bed, env, user, username="hélène.lefèvre"))
    assert code == 1
    assert "accents" in str(_diagnosis(data)["explanation"])


def test_invalid_config_is_a_diagnosis_not_a_traceback(env: Path) -> None:
    config = env / "config.toml"
    config.write_text("[account]\nusername = 3\n")
    code, data = doctor_json(config)
    assert code == 1 and _diagnosis(data)["kind"] == "config"


# --- certificates -------------------------------------------------------------------------


def test_untrusted_certificate_fails_with_fingerprint_then_accept_passes(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    # Only the SMTP certificate is trusted: the IMAP one needs a decision.
    monkeypatch.setenv("SSL_CERT_FILE", str(_ca_file(tmp_path, bed.smtp.cert)))
    user = bed.new_user()
    config = config_for(bed, tmp_path, user)

    code, text = doctor(config)
    assert code == 1
    assert "✗ Chiffrement SSL/TLS" in text
    assert "SHA-256" in text and "courriel doctor --accept-certificate" in text

    code, data = doctor_json(config)
    assert code == 1
    certificate = data["certificate"]
    assert isinstance(certificate, dict) and certificate["port"] == bed.imap_port
    assert _diagnosis(data)["kind"] == "certificate"
    assert _steps(data)[-1]["name"] == "tls"
    fingerprint = str(certificate["sha256"])
    assert str(certificate["accept_command"]).endswith(fingerprint.replace(":", ""))

    wrong = "00" * 32
    code, data = doctor_json(config, "--accept-certificate", wrong)
    assert code == 1 and data["accepted"] == []
    assert not (tmp_path / "xdg" / "courriel" / "trust.toml").exists()

    code, data = doctor_json(config, "--accept-certificate", fingerprint.replace(":", ""))
    assert code == 0, data
    assert data["accepted"] == [{"host": "localhost", "port": bed.imap_port, "sha256": fingerprint}]
    assert fingerprint in (tmp_path / "xdg" / "courriel" / "trust.toml").read_text()

    code, _text = doctor(config)  # pinned now: passes without the option
    assert code == 0


# --- never hangs ----------------------------------------------------------------------------


def _subprocess_env(tmp_path: Path, cafile: Path | None) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("SSL_CERT_FILE",)}
    environ["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    if cafile is not None:
        environ["SSL_CERT_FILE"] = str(cafile)
    return environ


def test_no_password_and_no_terminal_fails_clearly_without_hanging(
    bed: Bed, tmp_path: Path
) -> None:
    user = bed.new_user()
    config = config_for(bed, tmp_path, user, password="")
    cafile = _ca_file(tmp_path, bed.dovecot.cert, bed.smtp.cert)
    result = subprocess.run(
        [sys.executable, "-m", "tui.doctor", "--config", str(config)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=PROJECT_ROOT,
        env=_subprocess_env(tmp_path, cafile),
    )
    assert result.returncode == 1, result.stderr
    assert "pas de terminal" in result.stdout
    assert "Mot de passe indisponible" in result.stdout


def test_untrusted_certificate_without_terminal_does_not_prompt(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    config = config_for(bed, tmp_path, user)
    result = subprocess.run(
        [sys.executable, "-m", "tui.doctor", "--config", str(config), "--json"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=PROJECT_ROOT,
        env=_subprocess_env(tmp_path, None),
    )
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert _diagnosis(data)["kind"] == "certificate"
    assert isinstance(data["certificate"], dict) and data["certificate"]["sha256"]


def test_english_keeps_the_json_structure(bed: Bed, env: Path) -> None:
    user = bed.new_user()
    set_language("en")
    code, data = doctor_json(config_for(bed, env, user, password="Wrong-pass-1!"))
    assert code == 1 and data["language"] == "en"
    diagnosis = _diagnosis(data)
    assert diagnosis["kind"] == "auth" and diagnosis["title"] and diagnosis["steps"]


def test_a_wrapped_diagnosis_never_cuts_an_address() -> None:
    """`doctor` cut « https://webmail.ac-dijon.fr » at its hyphen when it wrapped the
    advice: the address copied from the terminal was broken (#16 review)."""
    from tui.doctor import _fill

    text = "Ouvrez le webmail https://webmail.ac-dijon.fr et vérifiez " * 3
    for width in range(40, 101):
        lines = _fill(text, width, "  1. ").splitlines()
        assert all(not line.endswith("ac-") for line in lines)
        assert any("https://webmail.ac-dijon.fr" in line for line in lines)
