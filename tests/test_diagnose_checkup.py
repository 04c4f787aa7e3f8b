"""The step-by-step connection test (core.checkup) against the real servers."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.conftest import Bed
from tui.core.diagnose.checkup import (
    STEPS,
    Target,
    biggest_messages,
    check_all,
    run_checkup,
    server_name,
    summary,
)
from tui.core.i18n import set_language
from tui.core.net.trust import CertificateNeedsDecision, TrustStore

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def _trusting(bed: Bed, tmp_path: Path) -> TrustStore:
    ca = tmp_path / "ca.pem"
    ca.write_text(bed.dovecot.cert.read_text() + bed.smtp.cert.read_text())
    return TrustStore(tmp_path / "trust.toml", cafile=ca)


def _target(bed: Bed, username: str, **kwargs: object) -> Target:
    values: dict[str, object] = {
        "imap_host": "localhost",
        "imap_port": bed.imap_port,
        "smtp_host": "localhost",
        "smtp_port": bed.smtp_port,
    }
    values.update(kwargs)
    return Target(username, **values)  # type: ignore[arg-type]


def test_steps_come_one_by_one_in_order(submission: Bed, tmp_path: Path) -> None:
    bed = submission  # the sending step against aiosmtpd, then Postfix
    user = bed.new_user()
    steps = run_checkup(_target(bed, user.username), user.password, _trusting(bed, tmp_path))
    first = next(steps)
    assert first.name == "resolve" and first.ok and first.label == "Résolution du nom"
    rest = list(steps)
    assert [r.name for r in [first, *rest]] == list(STEPS)
    assert all(r.ok and r.diagnosis is None and r.seconds >= 0 for r in rest)
    assert summary([first, *rest]) == (True, None)


def test_login_step_names_the_server_that_answered(bed: Bed, tmp_path: Path) -> None:
    """The help desk's first question is « which server? »: the login line says it."""
    user = bed.new_user()
    steps = list(run_checkup(_target(bed, user.username), user.password, _trusting(bed, tmp_path)))
    login = next(step for step in steps if step.name == "imap_login")
    assert login.detail.startswith(f"connecté en tant que « {user.username} » · ")
    assert "Dovecot" in login.detail
    assert "b'" not in login.detail and "(" not in login.detail


class _Server:
    """What server_name reads of an IMAPClient: its ID answer and greeting."""

    def __init__(self, answer: object, welcome: bytes, has_id: bool = True) -> None:
        self.answer, self.welcome, self.has_id = answer, welcome, has_id

    def has_capability(self, name: str) -> bool:
        return self.has_id and name == "ID"

    def id_(self) -> object:
        return self.answer


@pytest.mark.parametrize(
    ("answer", "welcome", "has_id", "expected"),
    [
        (((b"name", b"Dovecot", b"version", b"2.3.19"),), b"", True, "Dovecot 2.3.19"),
        (((b"NAME", b"Messaging Server", b"os", b"SunOS"),), b"", True, "Messaging Server"),
        ((None,), b"* OK [CAPABILITY IMAP4rev1] Oracle ready", True, "Oracle ready"),
        (None, b"OK Zimbra IMAP4rev1 server ready", False, "Zimbra IMAP4rev1 server ready"),
        (((b"name", b"\x1b[2Jevil\x07" * 40),), b"", True, None),
    ],
)
def test_server_name_reads_id_then_greeting(
    answer: object, welcome: bytes, has_id: bool, expected: str | None
) -> None:
    name = server_name(_Server(answer, welcome, has_id))
    if expected is not None:
        assert name == expected
    assert "\x1b" not in name and "\x07" not in name and len(name) <= 80


def test_password_is_not_read_before_the_certificate_is_trusted(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    asked: list[bool] = []

    def password() -> str:
        asked.append(True)
        return user.password

    untrusting = TrustStore(tmp_path / "trust.toml")
    results = check_all(_target(bed, user.username), password, untrusting)
    assert [r.name for r in results] == ["resolve", "tcp", "tls"]
    tls = results[-1]
    assert not tls.ok and tls.diagnosis is not None and tls.diagnosis.kind == "certificate"
    assert isinstance(tls.certificate, CertificateNeedsDecision)
    assert asked == []

    untrusting.accept_once(tls.certificate.info)
    results = check_all(_target(bed, user.username, smtp_port=bed.smtp_port), password, untrusting)
    # IMAP accepted once; the SMTP certificate is a separate decision.
    assert [r.name for r in results] == ["resolve", "tcp", "tls", "imap_login", "smtp_login"]
    assert "accepté" in results[2].detail
    assert isinstance(results[-1].certificate, CertificateNeedsDecision)
    assert results[-1].certificate.info.port == bed.smtp_port
    assert asked == [True]


async def test_a_wrong_password_at_the_sending_server_is_diagnosed_in_french(
    submission: Bed, tmp_path: Path
) -> None:
    """Postfix answers « 535 5.7.8 Error: authentication failed », aiosmtpd « 535 5.7.8
    Authentication credentials invalid »: both are the academy's password traps."""
    from tui.core.diagnose.diagnose import diagnose
    from tui.core.errors import AuthError
    from tui.core.net.tls import smtp_connect

    bed = submission
    user = bed.new_user()
    trust = _trusting(bed, tmp_path)
    with pytest.raises(AuthError) as refused:
        await smtp_connect("localhost", bed.smtp_port, trust, user.username, "Pas-le-bon-1!")
    assert "535" in refused.value.message and "Pas-le-bon" not in refused.value.message
    found = diagnose(refused.value, step="smtp_login", protocol="smtp", username=user.username)
    assert found.kind == "auth" and found.title == "Identifiant ou mot de passe refusé"
    assert "mêmes identifiant et mot de passe" in found.explanation
    assert any("NUMEN" in step for step in found.steps)


def test_sending_refused_when_receiving_accepted_is_not_called_a_wrong_password(
    submission: Bed, tmp_path: Path
) -> None:
    """The IMAP login has just accepted this very password: when SMTP refuses it, the
    password is right and the account is barred from sending (or the server is ill)."""
    bed = submission
    user = bed.new_user()
    bed.dovecot.deny(user.username, "smtp")
    results = check_all(_target(bed, user.username), user.password, _trusting(bed, tmp_path))
    assert [r.name for r in results][-2:] == ["imap_login", "smtp_login"]
    sending = results[-1]
    assert not sending.ok and sending.diagnosis is not None
    assert sending.diagnosis.kind == "sending_refused"
    text = " ".join([sending.diagnosis.explanation, *sending.diagnosis.steps])
    assert "vient d'accepter" in text and "webmail" in text
    assert "NUMEN" not in text  # resetting a password that works would lead nowhere


def test_a_temporary_refusal_at_the_sending_server_is_not_the_password(
    fresh_bed: Bed, tmp_path: Path
) -> None:
    """« 454 4.7.0 Temporary authentication failure »: Postfix's password check failed
    for a passing reason. It used to read as a wrong password."""
    bed = fresh_bed
    user = bed.new_user()
    bed.smtp.set_fault(auth_tempfail=True)
    results = check_all(_target(bed, user.username), user.password, _trusting(bed, tmp_path))
    sending = results[-1]
    assert sending.name == "smtp_login" and not sending.ok
    assert sending.diagnosis is not None and sending.diagnosis.kind == "unavailable"
    assert "454 4.7.0" in sending.diagnosis.explanation
    assert "pas en cause" in sending.diagnosis.explanation
    assert "NUMEN" not in " ".join(sending.diagnosis.steps)


def test_missing_password_stops_at_login(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    results = check_all(_target(bed, user.username), lambda: None, _trusting(bed, tmp_path))
    assert results[-1].name == "imap_login" and not results[-1].ok
    ok, diagnosis = summary(results)
    assert not ok and diagnosis is not None and diagnosis.kind == "password"


def test_unknown_host_fails_at_resolution(bed: Bed, tmp_path: Path) -> None:
    results = check_all(
        _target(bed, "jdupont", imap_host="hote-inexistant.invalid"),
        "x",
        _trusting(bed, tmp_path),
        timeout=10,
    )
    assert [r.name for r in results] == ["resolve"]
    assert results[0].diagnosis is not None and results[0].diagnosis.kind in ("dns", "timeout")


def test_imap_port_given_as_smtp_port_is_a_wrong_port(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    results = check_all(
        _target(bed, user.username, smtp_port=bed.imap_port),
        user.password,
        _trusting(bed, tmp_path),
    )
    assert results[-1].name == "smtp_login" and not results[-1].ok
    assert results[-1].diagnosis is not None and results[-1].diagnosis.kind == "wrong_port"


def test_target_from_account_fills_the_academy_defaults() -> None:
    target = Target.from_account({"username": "jdupont"})
    assert (target.imap_host, target.imap_port, target.smtp_port) == (
        "hermes.ac-dijon.fr",
        993,
        465,
    )


def _message(subject: str, size: int) -> bytes:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["To"] = "b@ac-dijon.fr"
    message["Subject"] = subject
    message.set_content("x" * size)
    return message.as_bytes()


def test_biggest_messages_are_named_largest_first(bed: Bed) -> None:
    user = bed.new_user()
    client = IMAPClient(
        "localhost", port=bed.imap_port, ssl=True, ssl_context=bed.trusting_context()
    )
    try:
        client.login(user.username, user.password)
        client.append("INBOX", _message("Petit", 1_000))
        client.append("INBOX", _message("Photos de la sortie", 400_000))
        client.append("INBOX", _message("=?utf-8?q?Bulletin_=C3=A9t=C3=A9?=", 200_000))
        found = biggest_messages(client)
        flags = client.fetch(client.search(["ALL"]), ["FLAGS"])
    finally:
        client.logout()
    assert [subject for subject, _size in found] == ["Photos de la sortie", "Bulletin été"]
    assert found[0][1] > found[1][1] > 100_000
    assert all(b"\\Seen" not in data[b"FLAGS"] for data in flags.values())
