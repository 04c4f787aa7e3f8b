"""What a server said, in the user's language, with its own words kept as a quote.

imapclient puts the server's reply in its errors as a bytes repr
(« b'[AUTHENTICATIONFAILED] Authentication failed.' »), and IMAP servers start the
useful ones with a response code from RFC 5530. A teacher reads the code's meaning in
French; the help desk still gets the server's exact words, decoded and sanitised.
SMTP says the same with its reply codes: an AUTH refused « 535 » is the password, « 454 »
is the server's own trouble.
"""

from __future__ import annotations

import ast
import re

from tui.core.errors import AuthError, ConnectionLost, MailError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line, shorten

# Longest quote of a server's words kept in a one-line detail.
MAX_WORDS = 160
_CODE = re.compile(r"^\s*\[([A-Z][A-Z0-9-]*)(?:[ \]])")
_BYTES_REPR = re.compile(r"""^b(['"]).*\1$""", re.DOTALL)
# Refusals at login that are not about the password: asking the user to reset it would
# send them the wrong way while the server is in maintenance.
NOT_THE_PASSWORD = frozenset({"UNAVAILABLE", "PRIVACYREQUIRED", "CONTACTADMIN", "INUSE"})


def _code_meanings() -> dict[str, str]:
    """RFC 5530's response codes (and RFC 3501's that users meet), said plainly."""
    return {
        "AUTHENTICATIONFAILED": _("identifiant ou mot de passe refusé"),
        "AUTHORIZATIONFAILED": _("ce compte n'a pas le droit d'ouvrir cette boîte"),
        "EXPIRED": _("mot de passe ou compte expiré"),
        "PRIVACYREQUIRED": _("le serveur exige une connexion chiffrée"),
        "CONTACTADMIN": _("le serveur demande de contacter l'assistance"),
        "NOPERM": _("droits insuffisants pour cette action"),
        "INUSE": _("la boîte est occupée par une autre connexion, réessayez plus tard"),
        "EXPUNGEISSUED": _("un autre logiciel vient de supprimer des messages"),
        "CORRUPTION": _("le serveur signale une boîte endommagée"),
        "SERVERBUG": _("erreur interne du serveur"),
        "CLIENTBUG": _("le serveur n'a pas compris la demande de courriel"),
        "CANNOT": _("le serveur ne peut pas faire cette opération"),
        "LIMIT": _("une limite du serveur est atteinte"),
        "OVERQUOTA": _("la boîte aux lettres est pleine"),
        "ALREADYEXISTS": _("ce nom existe déjà"),
        "NONEXISTENT": _("ce dossier n'existe pas"),
        "UNAVAILABLE": _("le service est momentanément indisponible"),
        "TRYCREATE": _("le dossier de destination n'existe pas"),
        "ALERT": _("message du serveur"),
    }


def server_words(text: str) -> str:
    """The server's reply as it sent it: a bytes repr decoded, sanitised, bounded."""
    text = text.strip()
    if _BYTES_REPR.match(text):
        try:
            value = ast.literal_eval(text)  # literals only: safe on a hostile reply
        except Exception:  # not one bytes literal after all (b'a' b'c' 'd'…): keep it raw
            value = text[2:-1]
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return shorten(clean_line(text), MAX_WORDS)


def response_code(text: str) -> str:
    """The RFC 5530 code a reply starts with (« AUTHENTICATIONFAILED »), or ""."""
    match = _CODE.match(text)
    return match.group(1) if match else ""


def explain_reply(text: str) -> str:
    """One line in the UI's language: the code's meaning, then the server's words quoted."""
    words = server_words(text)
    meaning = _code_meanings().get(response_code(words), "")
    if meaning and words:
        return _("{meaning} (le serveur : « {words} »)").format(meaning=meaning, words=words)
    if words:
        return _("le serveur répond : « {words} »").format(words=words)
    return meaning


def login_refused(username: str, reply: str) -> MailError:
    """The error for a refused LOGIN, from the code the server gave with its refusal."""
    words = server_words(reply)
    code = response_code(words)
    if code in NOT_THE_PASSWORD:
        return ConnectionLost(
            _("Le serveur a refusé la connexion : {why}.").format(why=explain_reply(reply)),
            detail=words,
        )
    message = _("Le serveur a refusé l'identifiant ou le mot de passe de {user}.").format(
        user=username
    )
    if code and code != "AUTHENTICATIONFAILED":
        explained = explain_reply(reply)
        message += " " + explained[:1].upper() + explained[1:] + "."
    return AuthError(message, detail=words)


def smtp_auth_refused(host: str, code: int, message: str) -> MailError:
    """The error for a refused SMTP AUTH, from its reply code (RFC 4954).

    « 535 5.7.8 » is a wrong username or password. A 4xx (Postfix's « 454 4.7.0
    Temporary authentication failure » when its password check fails for a passing
    reason, RFC 4954's « 454 » in general) says
    nothing about the password: the message waits for the next attempt instead of
    being held, and nobody is asked for the password again."""
    words = server_words(f"{code} {message}")
    if 400 <= code < 500:
        return ConnectionLost(
            _(
                "Le serveur d'envoi {host} ne peut pas vérifier l'identifiant et le mot de "
                "passe pour le moment (« {words} ») : nouvel essai plus tard."
            ).format(host=host, words=words),
            detail=words,
        )
    return AuthError(
        _("Le serveur d'envoi {host} a refusé l'identifiant ou le mot de passe ({code}).").format(
            host=host, code=code
        ),
        detail=words,
    )


def is_smtp_auth_refusal(exc: BaseException, *, temporary: bool) -> bool:
    """An aiosmtplib AUTH refusal: a 5xx one (`temporary=False`) or a 4xx one."""
    if type(exc).__name__ != "SMTPAuthenticationError":
        return False
    code = int(getattr(exc, "code", 0) or 0)
    return 400 <= code < 500 if temporary else not 400 <= code < 500
