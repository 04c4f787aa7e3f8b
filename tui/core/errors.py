"""One error hierarchy for everything core can fail at.

Each error carries a short user-facing title; the app has one handler that turns any
`MailError` into a notification or a modal (via `diagnose`), so no traceback ever
reaches the screen. Messages never contain a password.

Titles are properties, translated when read: a class attribute would be fixed in the
language of the import, before the user's language is known (English UI, French title).
"""

from __future__ import annotations

from tui.core.i18n import _


class MailError(Exception):
    """Base of every failure core reports to the user."""

    @property
    def title(self) -> str:
        return _("Erreur")

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return self.message


class ConfigError(MailError):
    """The configuration file is unreadable or invalid."""

    @property
    def title(self) -> str:
        return _("Configuration invalide")


class AuthError(MailError):
    """The server refused the username or password."""

    @property
    def title(self) -> str:
        return _("Identification refusée")


class ConnectionLost(MailError):
    """The server could not be reached, or the connection dropped."""

    @property
    def title(self) -> str:
        return _("Connexion impossible")


class ServerMisbehaved(ConnectionLost):
    """The server's answer broke the protocol or a limit: it is dropped, with the
    connection (what follows it cannot be trusted), and said in plain words."""

    @property
    def title(self) -> str:
        return _("Le serveur répond mal")


class ServerTooSlow(ConnectionLost):
    """A whole answer did not arrive in time: a per-read timeout never fires against a
    server that trickles a byte a second (PITFALLS.md), a whole-answer deadline does."""

    @property
    def title(self) -> str:
        return _("Le serveur répond trop lentement")


class CertificateError(MailError):
    """The server's certificate needs a decision, or was refused."""

    @property
    def title(self) -> str:
        return _("Certificat")


class SendError(MailError):
    """A message could not be handed to the SMTP server."""

    @property
    def title(self) -> str:
        return _("Envoi impossible")


class StoreError(MailError):
    """A local file (the cache or the user's store) cannot be opened or written: a full
    disk, a read-only folder, a lock; never mistaken for corruption."""

    @property
    def title(self) -> str:
        return _("Fichiers locaux")
