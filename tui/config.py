"""Settings: a TOML file in the platform config folder, validated with clear errors.

Reading never writes; writing is tui/config_write.py (tomlkit, so that a user's comments
and layout survive, replaced atomically with owner-only permissions). Every problem is
a `ConfigError` naming the file, the key, what is allowed and, for typos, a suggestion.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from tui.core.errors import ConfigError
from tui.core.i18n import N_, _
from tui.core.mail.rules import Rule, RuleError, parse_rules
from tui.core.mail.sanitize import clean_line
from tui.core.quiet import valid_range
from tui.core.userfiles import UserFileError, read_limited, shown_path
from tui.notifications import CHOICES as NOTIFY_CHOICES
from tui.presets import DIJON

APP_NAME = "courriel"
MAX_CONFIG_BYTES = 1024 * 1024  # a real one is under 2 KB


@dataclass(frozen=True)
class Key:
    """One allowed key: its type, default, and an optional check returning an error text."""

    kind: type
    default: Any
    allowed: str
    check: Callable[[Any], bool] | None = None
    choices: tuple[str, ...] = ()


def _port(value: int) -> bool:
    return 1 <= value <= 65535


def _interval(value: int) -> bool:
    return 1 <= value <= 1440


def _days(value: int) -> bool:
    return 0 <= value <= 365


def _positive(value: int) -> bool:
    return value >= 0


SCHEMA: dict[str, dict[str, Key]] = {
    "account": {
        "username": Key(str, "", N_("identifiant court, ex. prenom.nom ou jdupont")),
        "display_name": Key(str, "", N_("nom affiché, ex. Marie Durand")),
        "email": Key(str, "", N_("adresse, ex. prenom.nom@ac-dijon.fr")),
        "imap_host": Key(str, DIJON.imap_host, N_("nom de serveur")),
        "imap_port": Key(int, DIJON.imap_port, N_("entier de 1 à 65535"), _port),
        "smtp_host": Key(str, DIJON.smtp_host, N_("nom de serveur")),
        "smtp_port": Key(int, DIJON.smtp_port, N_("entier de 1 à 65535"), _port),
        # ManageSieve (RFC 5804), to put the sorting rules on the server (#19).
        "sieve_port": Key(int, 4190, N_("entier de 1 à 65535"), _port),
        "password_command": Key(
            str, "", N_('commande entre guillemets, ex. password_command = "pass show academie"')
        ),
        "password_source": Key(
            str, "", N_("keyring, command, ask ou vide"), choices=("", "keyring", "command", "ask")
        ),
        "signature": Key(str, "", N_("texte")),
        "save_sent": Key(bool, True, N_("true ou false")),
        # Several accounts (#20): the name the folder pane and the « De » selector show.
        "label": Key(str, "", N_("nom court du compte, ex. Collège ou Personnel")),
    },
    "sync": {
        "interval_minutes": Key(int, 15, N_("entier de 1 à 1440 (minutes)"), _interval),
        "idle": Key(bool, False, N_("true ou false")),
        # Bodies of the inbox's last N days fetched after each sync, to read offline.
        "prefetch_days": Key(int, 7, N_("entier de 0 à 365 (jours), 0 pour aucun"), _days),
    },
    "ui": {
        "theme": Key(str, "", N_("nom d'un thème, ou vide (automatique)")),
        "language": Key(str, "", N_("fr, en ou vide (automatique)"), choices=("", "fr", "en")),
        "mouse": Key(bool, True, N_("true ou false")),
        "threads": Key(bool, False, N_("true ou false")),
        "scroll": Key(str, "page", N_("page ou line"), choices=("page", "line")),
        "mark_read_after_seconds": Key(
            int, 0, N_("entier ≥ 0 (secondes), -1 pour jamais"), lambda v: v >= -1
        ),
        "bell": Key(bool, False, N_("true ou false")),
        "quiet_hours": Key(str, "", N_("plage HH:MM-HH:MM, ex. 19:00-07:30, ou vide"), valid_range),
        "quiet_weekends": Key(bool, False, N_("true ou false")),
        # New mail as a desktop notification through the terminal (OSC 9 / 777, #20).
        "notify": Key(str, "off", N_("off, auto, osc9 ou osc777"), choices=NOTIFY_CHOICES),
    },
    "security": {
        "trusted_domains": Key(list, list(DIJON.trusted_domains), N_("liste de domaines")),
    },
}


@dataclass
class Config:
    """The validated settings, every key present (defaults filled in)."""

    path: Path
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    exists: bool = False
    rules: tuple[Rule, ...] = ()  # [[rules]]: sorting rules (tui/core/mail/rules.py)
    # [[accounts]] (#20): the other accounts, each with every key of [account].
    others: list[dict[str, Any]] = field(default_factory=list)

    def get(self, section: str, key: str) -> Any:
        return self.values[section][key]

    @property
    def account(self) -> dict[str, Any]:
        return self.values["account"]

    @property
    def accounts(self) -> list[dict[str, Any]]:
        """Every account, [account] first, then the [[accounts]] in file order."""
        return [self.values["account"], *self.others]

    def for_account(self, index: int) -> Config:
        """The same settings seen from one account: `account` is that one's; the other
        sections are the same dicts, so a theme chosen from any account is kept."""
        values = dict(self.values)
        values["account"] = self.accounts[index]
        return Config(
            path=self.path,
            values=values,
            exists=self.exists,
            rules=self.rules if index == 0 else (),  # [[rules]]: the first account's (#20)
            others=self.others,
        )

    @property
    def sync(self) -> dict[str, Any]:
        return self.values["sync"]

    @property
    def ui(self) -> dict[str, Any]:
        return self.values["ui"]


def default_config_path() -> Path:
    """config.toml in the platform config folder (XDG_CONFIG_HOME on Linux)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def trust_path() -> Path:
    """trust.toml, the certificate decisions, beside config.toml."""
    return default_config_path().parent / "trust.toml"


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def defaults() -> dict[str, dict[str, Any]]:
    values = {
        section: {name: _copy(key.default) for name, key in keys.items()}
        for section, keys in SCHEMA.items()
    }
    values["keys"] = {}
    return values


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def load_config(path: Path | None = None) -> Config:
    """Read and validate the file; a missing file gives the defaults (and `exists=False`)."""
    path = path or default_config_path()
    try:
        raw = read_limited(path, MAX_CONFIG_BYTES)
    except FileNotFoundError:
        return Config(path=path, values=defaults())
    except UserFileError as exc:
        raise ConfigError(_("Fichier de configuration : {reason}").format(reason=exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            _("Fichier {path} : ce n'est pas du texte UTF-8.").format(path=shown_path(path))
        ) from None
    return _read(text, path)


def _read(text: str, path: Path) -> Config:
    """The settings `text` holds, checked as a whole: what load_config reads, and what
    save_config and add_account check before they write (#20)."""
    shown = shown_path(path)
    config = Config(path=path, values=defaults())
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("Fichier {path} : ce n'est pas un fichier TOML valide ({reason}).").format(
                path=shown, reason=clean_line(str(exc))
            )
        ) from None
    except RecursionError:
        raise ConfigError(
            _("Fichier {path} : tableaux ou sections imbriqués trop profondément.").format(
                path=shown
            )
        ) from None
    config.values = validate(data, path)
    if ACCOUNTS_SECTION in data:
        config.others = _accounts(data[ACCOUNTS_SECTION], path)
        if "account" not in data and config.others:
            # Only [[accounts]]: the first of them is the main account.
            config.values["account"] = config.others.pop(0)
        elif config.others and not config.values["account"]["username"]:
            # Beside [[accounts]], [account] is the first account, not keys shared by all:
            # without a login it would stand for a setup to do and hide the others.
            raise ConfigError(
                _(
                    "Fichier {path} : la section [account] n'a pas de « username ». "
                    "Elle décrit le premier compte, ses clés ne valent pas pour les "
                    "[[accounts]] : ajoutez-lui « username », ou supprimez-la."
                ).format(path=shown)
            )
        _check_duplicates(config.accounts, path)
    if RULES_SECTION in data:
        try:
            config.rules = parse_rules(data[RULES_SECTION])
        except RuleError as exc:
            raise ConfigError(
                _("Fichier {path} : {problem}").format(path=shown, problem=clean_line(str(exc)))
            ) from None
    config.exists = True
    return config


RULES_SECTION = "rules"  # [[rules]], read by tui.core.mail.rules.parse_rules
ACCOUNTS_SECTION = "accounts"  # [[accounts]]: more accounts, each like [account] (#20)


def account_label(account: Mapping[str, Any]) -> str:
    """What the user calls an account: its label, else its address, else its login."""
    return str(
        account.get("label") or account.get("email") or account.get("username") or _("compte")
    )


def _accounts(content: Any, path: Path) -> list[dict[str, Any]]:
    """[[accounts]]: a list of tables, each checked key by key as [account] is."""
    if not isinstance(content, list) or not all(isinstance(item, dict) for item in content):
        raise ConfigError(
            _("Fichier {path} : « accounts » doit être une liste de sections [[accounts]].").format(
                path=shown_path(path)
            )
        )
    accounts = []
    for entry in content:
        values = {name: _copy(key.default) for name, key in SCHEMA["account"].items()}
        for name, value in entry.items():
            values[name] = _checked(path, "account", name, value, shown=ACCOUNTS_SECTION)
        if not values["username"]:
            raise ConfigError(
                _("Fichier {path} : un [[accounts]] sans « username ».").format(
                    path=shown_path(path)
                )
            )
        accounts.append(values)
    return accounts


def _check_duplicates(accounts: list[dict[str, Any]], path: Path) -> None:
    """Two entries for one mailbox would share a cache and fight over it; two accounts
    shown under one name (label, else address, else login: account_label) could not be
    told apart in the folder pane, the « De » selector or on the command line."""
    logins: set[tuple[str, str]] = set()
    names: set[str] = set()
    for account in accounts:
        login = (str(account["username"]).lower(), str(account["imap_host"]).lower())
        name = account_label(account).casefold()
        if account["username"] and login in logins:
            raise ConfigError(
                _("Fichier {path} : le compte {login} est décrit deux fois.").format(
                    path=shown_path(path), login=shown_path("@".join(login))
                )
            )
        if name in names:
            raise ConfigError(
                _(
                    "Fichier {path} : deux comptes s'appellent « {label} » ; "
                    "donnez-leur des « label » différents."
                ).format(path=shown_path(path), label=shown_path(account_label(account)))
            )
        logins.add(login)
        names.add(name)


# [keys]: binding id = "keys", e.g. `"mailbox.delete" = "d,x"`; ids are checked by the app,
# which knows its bindings.
KEYMAP_SECTION = "keys"


def validate(data: Mapping[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    """Check every section and key; return the full settings with defaults filled in."""
    values = defaults()
    for section, content in data.items():
        if section == KEYMAP_SECTION and isinstance(content, dict):
            for name, keys in content.items():
                if not isinstance(keys, str) or not keys.strip():
                    raise ConfigError(
                        _(
                            "Fichier {path} : valeur refusée pour « {key} » : {value}. "
                            "Permis : {allowed}."
                        ).format(
                            path=shown_path(path),
                            key=shown_path(f"{section}.{name}"),
                            value=_show(keys),
                            allowed=_('touches séparées par des virgules, ex. "d,x"'),
                        )
                    )
            values[KEYMAP_SECTION] = dict(content)
            continue
        if section in (RULES_SECTION, ACCOUNTS_SECTION):
            continue  # a list of tables: load_config reads it
        if section not in SCHEMA:
            raise ConfigError(
                _unknown(
                    path, section, None, [*SCHEMA, KEYMAP_SECTION, RULES_SECTION, ACCOUNTS_SECTION]
                )
            )
        if not isinstance(content, dict):
            raise ConfigError(
                _("Fichier {path} : « {section} » doit être une section [{section}].").format(
                    path=shown_path(path), section=shown_path(section)
                )
            )
        for name, value in content.items():
            values[section][name] = _checked(path, section, name, value)
    return values


def _checked(path: Path, section: str, name: str, value: Any, shown: str = "") -> Any:
    """`shown`: the section as the file names it ([[accounts]] is checked as [account])."""
    keys = SCHEMA[section]
    if name not in keys:
        if name == "password":
            raise ConfigError(
                _(
                    "Fichier {path} : « {section}.password » est refusé — le mot de passe "
                    "ne s'écrit jamais dans ce fichier. Utilisez le trousseau du système ou "
                    "password_command."
                ).format(path=shown_path(path), section=shown_path(shown or section))
            )
        raise ConfigError(_unknown(path, shown or section, name, list(keys)))
    key = keys[name]
    # bool is a subclass of int: `port = true` must not pass as 1.
    wrong_type = not isinstance(value, key.kind) or (key.kind is int and isinstance(value, bool))
    if key.kind is list and not wrong_type:
        wrong_type = not all(isinstance(item, str) for item in value)
    ok = not wrong_type
    if ok and key.choices:
        ok = value in key.choices
    if ok and key.check is not None:
        ok = key.check(value)
    if not ok:
        raise ConfigError(
            _(
                "Fichier {path} : valeur refusée pour « {key} » : {value}. Permis : {allowed}."
            ).format(
                path=shown_path(path),
                key=f"{shown or section}.{name}",
                value=_show(value),
                allowed=_(key.allowed),
            )
        )
    return value


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    text = clean_line(text)  # repr() keeps non-ASCII controls such as U+009B as they are
    return text if len(text) <= 60 else text[:57] + "…"


def _unknown(path: Path, section: str, name: str | None, allowed: list[str]) -> str:
    wrong = section if name is None else name
    where = f"[{section}]" if name is None else f"{section}.{name}"
    # The key comes from the file: it may hold escape sequences, or be huge.
    message = _("Fichier {path} : clé inconnue « {key} ».").format(
        path=shown_path(path), key=shown_path(where)
    )
    close = difflib.get_close_matches(wrong, allowed, n=1, cutoff=0.6)
    if close:
        message += " " + _("Vouliez-vous dire « {suggestion} » ?").format(suggestion=close[0])
    message += " " + _("Clés permises : {keys}.").format(keys=", ".join(allowed))
    return message
