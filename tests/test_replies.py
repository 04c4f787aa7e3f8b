"""What a server said reaches the user in French, with its own words quoted (#17)."""

from __future__ import annotations

import socket

import pytest
from imapclient.exceptions import LoginError

from tui.core.diagnose.checkup import _short
from tui.core.diagnose.diagnose import diagnose
from tui.core.diagnose.replies import (
    MAX_WORDS,
    explain_reply,
    login_refused,
    response_code,
    server_words,
)
from tui.core.errors import AuthError, ConnectionLost


def test_a_bytes_repr_is_decoded() -> None:
    said = str(b"[AUTHENTICATIONFAILED] Authentification \xc3\xa9chou\xc3\xa9e.")
    assert server_words(said) == "[AUTHENTICATIONFAILED] Authentification échouée."


@pytest.mark.parametrize(
    "hostile",
    [
        "b'\\x1b]52;c;aGk=\\x07 evil'",
        "b'a' + __import__('os').system('true') + b'a'",
        "b'" + "(" * 5000 + "'",
        "b'" + "x" * 100_000 + "'",
    ],
)
def test_hostile_replies_stay_one_bounded_clean_line(hostile: str) -> None:
    words = server_words(hostile)
    assert "\x1b" not in words and "\x07" not in words
    assert len(words) <= MAX_WORDS + 1


@pytest.mark.parametrize(
    ("reply", "meaning"),
    [
        ("[AUTHENTICATIONFAILED] Authentication failed.", "identifiant ou mot de passe refusé"),
        ("[EXPIRED] Password expired", "expiré"),
        ("[OVERQUOTA] Quota exceeded", "pleine"),
        ("[UNAVAILABLE] Try later", "indisponible"),
        ("[TRYCREATE] Mailbox doesn't exist", "n'existe pas"),
    ],
)
def test_rfc_5530_codes_are_said_in_french_with_the_servers_words(reply: str, meaning: str) -> None:
    line = explain_reply(str(reply.encode()))
    assert meaning in line
    assert f"« {reply} »" in line
    assert "b'" not in line


def test_an_unknown_code_keeps_the_servers_words_quoted() -> None:
    assert response_code("[XFOO] bar") == "XFOO"
    assert explain_reply("[XFOO] bar") == "le serveur répond : « [XFOO] bar »"


def test_a_login_refused_for_maintenance_is_not_a_password_problem() -> None:
    """[UNAVAILABLE] used to send the user off to reset their password."""
    error = login_refused("pnom", str(b"[UNAVAILABLE] Maintenance"))
    assert isinstance(error, ConnectionLost)
    assert diagnose(LoginError(str(b"[UNAVAILABLE] Maintenance"))).kind == "unavailable"
    refused = login_refused("pnom", str(b"[AUTHENTICATIONFAILED] Authentication failed."))
    assert isinstance(refused, AuthError)
    assert diagnose(refused).kind == "auth"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "nom de serveur inconnu"),
        (ConnectionRefusedError(111, "Connection refused"), "connexion refusée"),
        (
            LoginError(str(b"[AUTHENTICATIONFAILED] Authentication failed.")),
            "identifiant ou mot de passe refusé (le serveur : « [AUTHENTICATIONFAILED] "
            "Authentication failed. »)",
        ),
    ],
)
def test_the_checkups_detail_column_speaks_french(exc: BaseException, expected: str) -> None:
    """The setup screen showed « [Errno -2] Name or service not known »."""
    assert _short(exc) == expected


def test_the_technical_detail_has_no_bytes_repr() -> None:
    """`courriel doctor` printed « b'…' » to the help desk."""
    technical = diagnose(LoginError(str(b"[AUTHENTICATIONFAILED] Nope"))).technical
    assert "b'" not in technical and "[AUTHENTICATIONFAILED] Nope" in technical
