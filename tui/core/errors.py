"""One error hierarchy for everything core can fail at.

Each error carries a short user-facing title; the app has one handler that turns any
`MailError` into a notification or a modal (via `diagnose`), so no traceback ever
reaches the screen. Messages never contain a password.
"""

from __future__ import annotations


class MailError(Exception):
    """Base of every failure core reports to the user."""

    title = "Erreur"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ConfigError(MailError):
    """The configuration file is unreadable or invalid."""

    title = "Configuration invalide"


class AuthError(MailError):
    """The server refused the username or password."""

    title = "Identification refusée"


class ConnectionLost(MailError):
    """The server could not be reached, or the connection dropped."""

    title = "Connexion impossible"


class CertificateError(MailError):
    """The server's certificate needs a decision, or was refused."""

    title = "Certificat"


class SendError(MailError):
    """A message could not be handed to the SMTP server."""

    title = "Envoi impossible"
