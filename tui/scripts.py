"""What `courriel send` and `courriel sync` share: the account as a script opens it.

A script runs without a screen, often from cron: it never waits on a prompt (a
certificate is never accepted, a password is asked only on a terminal that is not
the message's text), it says what happened in one line each on stderr, and it ends
with an exit code the guide documents. The account's worker is the app's own
(tui/session.py), its events read here on the script's thread instead of the UI's.
"""

from __future__ import annotations

import getpass
import queue
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from tui.core.account import contract
from tui.core.errors import ConfigError, MailError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line

if TYPE_CHECKING:
    import argparse

    from tui.config import Config
    from tui.core.net.trust import TrustStore
    from tui.core.store.cache import Cache
    from tui.session import AccountSession

STOP_WAIT = 5.0  # seconds the worker gets to log out once the script is done


class Outcome(Exception):
    """The script ends here with this exit code; `text` is said on stderr first."""

    def __init__(self, code: int, text: str = "") -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def say(command: str, text: str, stream: TextIO | None = None) -> None:
    """One line for the user, prefixed by the command, safe on any terminal: server and
    message data may be in it (sanitised), and a C locale cannot show « é »."""
    out = stream if stream is not None else sys.stderr
    line = clean_line(_("courriel {command} : {text}").format(command=command, text=text))
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        out.write(line + "\n")
    except UnicodeEncodeError:
        out.write(line.encode(encoding, "replace").decode(encoding) + "\n")
    out.flush()


def load_account(args: argparse.Namespace) -> Config:
    """The configuration, its language, and an account in it (else a usage error):
    the one `--account` (or `--from`) names, else the first."""
    config = load_configured(args)
    wanted = getattr(args, "account", None) or getattr(args, "sender", None)
    return config.for_account(pick_account(config, wanted)) if wanted else config


def load_configured(args: argparse.Namespace) -> Config:
    """The configuration and its language, with at least one account."""
    from tui.config import load_config
    from tui.core.i18n import set_language

    config = load_config(args.config)
    if args.lang is None and config.ui["language"]:
        set_language(config.ui["language"])
    if not config.account["username"]:
        raise ConfigError(
            _(
                "Aucun compte n'est configuré dans {path}. Lancez courriel une fois : "
                "l'écran de configuration vous guide."
            ).format(path=config.path)
        )
    return config


def pick_account(config: Config, wanted: str) -> int:
    """The index of the account whose label, address or login is `wanted` (#20); the
    address is also the one it sends with (Identity.from_account: username@ac-dijon.fr
    without `email`). A name that fits several accounts is refused, listing them: a
    script must not send or sync with the first one by chance."""
    import difflib

    from tui.config import account_label
    from tui.core.mail.compose import Identity

    folded = wanted.strip().casefold()
    matches = []
    for index, account in enumerate(config.accounts):
        names = (
            account_label(account),
            account["email"],
            account["username"],
            Identity.from_account(account).email,
        )
        if folded in {str(name).strip().casefold() for name in names if name}:
            matches.append(index)
    if len(matches) > 1:
        # A label is the name the user gave to tell accounts apart (no two alike,
        # load_config checks): it wins over another account's login or address.
        labelled = [
            i for i in matches if str(config.accounts[i]["label"]).strip().casefold() == folded
        ]
        if len(labelled) == 1:
            matches = labelled
    if len(matches) == 1:
        return matches[0]
    labels = [account_label(account) for account in config.accounts]
    if matches:
        raise ConfigError(
            _(
                "« {name} » désigne plusieurs comptes dans {path} : {names}. Précisez lequel."
            ).format(
                name=clean_line(wanted),
                path=config.path,
                names=", ".join(labels[i] for i in matches),
            )
        )
    message = _("Aucun compte « {name} » dans {path}.").format(
        name=clean_line(wanted), path=config.path
    )
    close = difflib.get_close_matches(wanted, labels, n=1, cutoff=0.6)
    if close:
        message += " " + _("Vouliez-vous dire « {suggestion} » ?").format(suggestion=close[0])
    message += " " + _("Comptes : {names}.").format(names=", ".join(labels))
    raise ConfigError(message)


def open_store(config: Config) -> Cache:
    """The account's cache with its durable store (outbox): the app's files."""
    from tui.core.store.cache import Cache
    from tui.session import cache_path, local_store_path

    return Cache.open(cache_path(config), durable_path=local_store_path(config), check=False)


def no_password() -> str:
    return _(
        "Aucun mot de passe n'est disponible sans vous le demander : le trousseau du "
        "système n'en garde pas pour ce compte et aucune commande de mot de passe "
        "(password_command) n'est configurée. Pour les scripts et cron, enregistrez-le "
        "dans le trousseau, ou indiquez password_command dans la section [account] (voir "
        "le guide, « Les mots de passe »)."
    )


def password(config: Config, *, may_ask: bool) -> str:
    """The password from the app's sources; asked on the terminal only when `may_ask`
    and stdin is one. Raises SecretError, with what to configure, when there is none."""
    from tui.core.secrets import SecretError, get_password

    found = get_password(config.account)
    if found:
        return found
    if may_ask and sys.stdin is not None and sys.stdin.isatty():
        typed = getpass.getpass(
            _("Mot de passe de « {user} » : ").format(user=config.account["username"])
        )
        if typed:
            return typed
    raise SecretError(no_password())


def certificate_advice(error: MailError) -> str:
    """A script never decides on a certificate: the user does, once, in the app."""
    return _(
        "{reason} Un script ne décide pas d'un certificat : lancez courriel une fois (ou "
        "« courriel doctor ») pour le vérifier et l'accepter."
    ).format(reason=error.message)


@dataclass
class Headless:
    """The account's worker (tui/session.py) with its events queued for this thread."""

    config: Config
    trust: TrustStore | None = None  # shared with the script's SMTP send
    events: queue.Queue[contract.Event] = field(default_factory=queue.Queue)
    session: AccountSession | None = None

    def start(self, password: str, *, sync_on_connect: bool) -> AccountSession:
        from tui.session import AccountSession

        self.session = AccountSession(self.config, post=self.events.put, trust=self.trust)
        self.session.start(password, sync_on_connect=sync_on_connect)
        return self.session

    def next_event(self, timeout: float = 0.5) -> contract.Event | None:
        """The next event, or None after `timeout` seconds without one (the caller
        checks what it waits for, and its deadline, between events)."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def stop(self) -> None:
        if self.session is not None:
            self.session.stop(wait=STOP_WAIT)


@dataclass(frozen=True)
class Halt:
    """Why the account's worker cannot go on by itself: no network (try again later)
    or a decision that is the user's (password, certificate)."""

    code: int
    text: str


def halt(event: contract.Event | None, config: Config) -> Halt | None:
    """The events after which a script stops waiting on the worker, said for the user.
    Offline: the worker's reason is the system's (English) text, `doctor` explains."""
    from tui.cli import EXIT_FAILURE, EXIT_QUEUED

    if isinstance(event, contract.Offline):
        account = config.account
        return Halt(
            EXIT_QUEUED,
            _(
                "Serveur de réception {host}:{port} injoignable ; nouvel essai au prochain "
                "lancement. « courriel doctor » dit pourquoi."
            ).format(host=account["imap_host"], port=account["imap_port"]),
        )
    if isinstance(event, contract.AuthFailed):
        return Halt(
            EXIT_FAILURE,
            _(
                "{reason} Lancez courriel pour saisir le bon mot de passe, ou corrigez "
                "password_command."
            ).format(reason=event.error.message),
        )
    if isinstance(event, contract.CertificateDecisionNeeded | contract.CertificateRefused):
        return Halt(EXIT_FAILURE, certificate_advice(event.error))
    if isinstance(event, contract.Stopped):
        return Halt(EXIT_FAILURE, _("La relève s'est arrêtée."))
    return None
