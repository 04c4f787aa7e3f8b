"""Every failure class becomes the right plain-language explanation, with the academy's facts."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
from collections.abc import Iterator

import aiosmtplib
import pytest
from imapclient.exceptions import IMAPClientAbortError, LoginError

from tui.core.diagnose.classify import ProtocolMismatch, classify
from tui.core.diagnose.diagnose import (
    Diagnosis,
    auth_diagnosis,
    check_ports,
    diagnose,
    password_diagnosis,
    wrong_port_diagnosis,
)
from tui.core.diagnose.quota import quota_diagnosis
from tui.core.errors import AuthError, ConfigError, ConnectionLost
from tui.core.i18n import set_language
from tui.core.net.certificates import CertificateInfo, Pin
from tui.core.net.trust import CertificateChanged, CertificateNeedsDecision
from tui.core.secrets import SecretError
from tui.presets import DIJON

HOST = DIJON.imap_host


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")


def _text(d: Diagnosis) -> str:
    return "\n".join([d.title, d.explanation, *d.steps])


def _info(reason: str = "certificat auto-signé") -> CertificateInfo:
    return CertificateInfo(
        HOST,
        993,
        "hermes.ac-dijon.fr",
        ("hermes.ac-dijon.fr",),
        "Autorité X",
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
        "AB:" * 31 + "CD",
        reason,
    )


def _wrapped(outer: BaseException, inner: BaseException) -> BaseException:
    """`raise outer from None` inside `except inner`, as tls.py does."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer from None
    except BaseException as caught:
        return caught


# --- authentication -------------------------------------------------------------------

AUTH_FAILURES = [
    AuthError("refusé"),
    LoginError("b'[AUTHENTICATIONFAILED] Authentication failed.'"),
    aiosmtplib.SMTPAuthenticationError(535, "5.7.8 Authentication credentials invalid"),
    aiosmtplib.SMTPResponseException(535, "nope"),
]


@pytest.mark.parametrize("exc", AUTH_FAILURES, ids=lambda e: type(e).__name__)
def test_authentication_refused_names_every_academy_trap(exc: BaseException) -> None:
    d = diagnose(exc, step="imap_login", host=HOST, port=993, protocol="imap")
    assert d.kind == "auth"
    text = _text(d)
    assert "identifiant court" in text and "adresse complète" in text
    assert "NUMEN" in text and DIJON.webmail_url in text
    assert "J'initialise mon mot de passe" in text
    assert "établissement" in text
    assert DIJON.helpdesk_phone in text and DIJON.helpdesk_hours in text


def test_authentication_with_a_full_address_names_the_short_username() -> None:
    d = diagnose(AuthError("x"), username="Prenom.Nom@ac-dijon.fr")
    assert "« prenom.nom »" in d.steps[0]


def test_smtp_authentication_says_the_credentials_are_shared() -> None:
    d = auth_diagnosis(protocol="smtp")
    assert "mêmes identifiant et mot de passe" in d.explanation


# --- network --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "kind", "title"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "dns", "introuvable"),
        (ConnectionRefusedError(111, "Connection refused"), "refused", "refusée"),
        (TimeoutError("timed out"), "timeout", "ne répond pas"),
        (aiosmtplib.SMTPConnectTimeoutError("t"), "timeout", "ne répond pas"),
        (aiosmtplib.SMTPReadTimeoutError("t"), "timeout", "ne répond pas"),
        (OSError(101, "Network is unreachable"), "network", "Connexion impossible"),
        (aiosmtplib.SMTPServerDisconnected("gone"), "network", "Connexion impossible"),
        (IMAPClientAbortError("socket error"), "network", "Connexion impossible"),
        (ConnectionLost("La connexion au serveur a été perdue."), "network", "Connexion"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_network_failures_point_to_network_maintenance_webmail_and_help(
    exc: BaseException, kind: str, title: str
) -> None:
    d = diagnose(exc, step="tcp", host=HOST, port=993, protocol="imap")
    assert d.kind == kind
    assert title in d.title
    text = _text(d)
    assert DIJON.webmail_url in text and "maintenance" in text
    assert DIJON.helpdesk_phone in text


def test_name_resolution_failure_names_the_academy_server() -> None:
    d = diagnose(socket.gaierror(-2, "x"), host="hermes.ac-dijon.f", port=993, protocol="imap")
    assert "hermes.ac-dijon.f" in d.explanation
    assert DIJON.imap_host in d.steps[0]


def test_wrapped_cause_is_found_through_raise_from_none() -> None:
    exc = _wrapped(ConnectionLost("Impossible de joindre"), ConnectionRefusedError(111, "x"))
    assert classify(exc) == "refused"
    assert "ConnectionRefusedError" in diagnose(exc).technical


# --- ports ----------------------------------------------------------------------------


@pytest.mark.parametrize(("protocol", "port"), [("smtp", 587), ("imap", 143), ("smtp", 25)])
def test_configured_wrong_port_explains_993_and_465(protocol: str, port: int) -> None:
    exc = ConnectionRefusedError(111, "Connection refused")
    d = diagnose(exc, step="tcp", host=HOST, port=port, protocol=protocol)
    assert d.kind == "wrong_port"
    text = _text(d)
    assert "993" in text and "465" in text and "SSL/TLS" in text
    assert str(port) in d.steps[0]


def test_port_587_mentions_starttls() -> None:
    assert "STARTTLS" in wrong_port_diagnosis("smtp", 587).explanation


def test_pop_ports_explain_imap() -> None:
    assert "POP" in wrong_port_diagnosis("imap", 110).explanation
    assert "POP" in wrong_port_diagnosis("imap", 995).explanation


def test_swapped_ports_are_wrong_ports() -> None:
    d = diagnose(TimeoutError(), host=HOST, port=465, protocol="imap")
    assert d.kind == "wrong_port" and "993" in d.steps[0]


def test_plaintext_server_on_the_port_is_detected_from_the_tls_error() -> None:
    exc = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1000)")
    d = diagnose(exc, step="tls", host=HOST, port=10993, protocol="imap")
    assert d.kind == "wrong_port"
    assert "993" in _text(d)


def test_plaintext_tls_error_hidden_in_connection_lost_is_found() -> None:
    inner = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    exc = _wrapped(ConnectionLost("Impossible de joindre"), inner)
    assert classify(exc) == "wrong_port"


def test_protocol_mismatch_is_a_wrong_port() -> None:
    assert classify(ProtocolMismatch("greeting")) == "wrong_port"


def test_imap_greeting_read_by_smtp_is_a_wrong_port() -> None:
    exc = aiosmtplib.SMTPResponseException(-1, "Malformed SMTP response line: * OK Dovecot")
    assert classify(exc) == "wrong_port"


def test_other_tls_failures_are_tls() -> None:
    exc = ssl.SSLError(1, "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] handshake failure")
    d = diagnose(exc, host=HOST, port=993, protocol="imap")
    assert d.kind == "tls" and "SSL/TLS" in d.explanation


def test_check_ports_before_connecting() -> None:
    assert check_ports(993, 465) == []
    found = check_ports(143, 587)
    assert [d.kind for d in found] == ["wrong_port", "wrong_port"]
    assert "143" in found[0].steps[0] and "587" in found[1].steps[0]


# --- certificates ---------------------------------------------------------------------


def test_certificate_needing_a_decision_explains_the_prompt() -> None:
    d = diagnose(CertificateNeedsDecision(_info()), step="tls")
    assert d.kind == "certificate"
    text = _text(d)
    assert "certificat auto-signé" in d.explanation
    assert "hermes.ac-dijon.fr:993" in d.explanation
    assert "Refuser" in text and "Accepter une fois" in text and "Accepter toujours" in text
    assert "SHA-256" in text and "Aucun mot de passe n'a été envoyé" in text


def test_raw_certificate_verification_error() -> None:
    exc = ssl.SSLCertVerificationError(1, "certificate verify failed")
    exc.verify_message = "self-signed certificate"
    d = diagnose(exc, host=HOST, port=993)
    assert d.kind == "certificate" and "self-signed certificate" in d.explanation


def test_changed_certificate_is_loud() -> None:
    pin = Pin(HOST, 993, "11:" * 31 + "22", "2026-01-02")
    d = diagnose(CertificateChanged(_info("différent"), pin))
    assert d.kind == "certificate_changed"
    assert "a changé" in d.title
    assert "intercepte" in d.explanation
    assert DIJON.helpdesk_phone in _text(d)


# --- quota ----------------------------------------------------------------------------


def test_quota_below_threshold_is_no_problem() -> None:
    assert quota_diagnosis(10_000, 100_000) is None
    assert quota_diagnosis(0, 0) is None


def test_nearly_full_quota_says_how_much() -> None:
    d = quota_diagnosis(92_160, 102_400)
    assert d is not None and d.kind == "quota_nearly_full"
    assert "90 %" in d.explanation and "90 Mo" in d.explanation and "100 Mo" in d.explanation
    assert "Corbeille" in _text(d)


def test_full_quota_names_the_biggest_messages() -> None:
    biggest = [("Petit", 2_000), ("Photos de la sortie", 15 * 1024 * 1024), ("Bulletin", 10**6)]
    d = quota_diagnosis(102_400, 102_400, biggest)
    assert d is not None and d.kind == "quota_full"
    first = d.steps[0]
    assert "« Photos de la sortie » (15 Mo)" in first
    assert first.index("Photos") < first.index("Bulletin") < first.index("Petit")


def test_hostile_subjects_are_cleaned_and_cut() -> None:
    d = quota_diagnosis(100, 100, [("\x1b]0;pwn\x07" + "x" * 200, 5)])
    assert d is not None
    assert "\x1b" not in d.steps[0] and "…" in d.steps[0]


# --- the rest -------------------------------------------------------------------------


def test_password_unavailable() -> None:
    d = diagnose(SecretError("La commande de mot de passe « pass » a échoué."))
    assert d.kind == "password" and "« pass »" in d.explanation
    assert "password_command" in _text(password_diagnosis())


def test_config_error() -> None:
    d = diagnose(ConfigError("Fichier x : clé inconnue."))
    assert d.kind == "config" and "clé inconnue" in d.explanation


def test_unknown_error_still_helps() -> None:
    d = diagnose(ValueError("boom"))
    assert d.kind == "unknown" and "ValueError" in d.technical
    assert "ValueError" not in d.explanation  # a class name is not an explanation (#17)
    assert "courriel doctor" in _text(d) and DIJON.helpdesk_phone in _text(d)


def test_as_dict_is_the_doctor_json_shape() -> None:
    data = diagnose(TimeoutError()).as_dict()
    assert set(data) == {"kind", "title", "explanation", "steps", "technical"}
    assert isinstance(data["steps"], list)


EVERY_KIND = [
    AuthError("x"),
    socket.gaierror(-2, "x"),
    ConnectionRefusedError(111, "x"),
    TimeoutError(),
    ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
    CertificateNeedsDecision(_info()),
    ValueError("x"),
]


@pytest.mark.parametrize("exc", EVERY_KIND, ids=lambda e: type(e).__name__)
def test_english_keeps_the_structure(exc: BaseException) -> None:
    french = diagnose(exc, host=HOST, port=993, protocol="imap")
    set_language("en")
    english = diagnose(exc, host=HOST, port=993, protocol="imap")
    assert english.kind == french.kind
    assert len(english.steps) == len(french.steps)
    assert english.title and english.explanation and all(english.steps)


def test_no_diagnosis_leaks_a_password_from_the_error_text() -> None:
    # Our errors never carry one; the technical field is bounded and one line anyway.
    d = diagnose(ConnectionLost("x\n" * 1000))
    assert "\n" not in d.technical and len(d.technical) <= 400


def test_authentication_with_the_short_username_suspects_the_password_first() -> None:
    """Setup already replaced the full address: the diagnosis must not lead with it (#17)."""
    d = diagnose(AuthError("x"), username="pnom")
    assert "mot de passe" in d.steps[0].lower()
    assert "adresse complète" not in d.steps[0]
    assert "adresse complète" not in d.explanation
    assert any("« pnom »" in step for step in d.steps)
