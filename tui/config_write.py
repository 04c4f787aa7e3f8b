"""Writing the configuration file: the setup screen's answers and an added account.

Written with tomlkit so the user's comments and layout stay; nothing is written that
`load_config` (tui/config.py) would then refuse: the whole file is checked first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# The reading side's checks, shared: a file is written only if it would read back.
from tui.config import ACCOUNTS_SECTION, SCHEMA, _accounts, _checked, _read, _unknown
from tui.core.errors import ConfigError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.userfiles import shown_path, write_private


def save_config(
    path: Path,
    updates: Mapping[str, Mapping[str, Any]],
    *,
    before_write: Callable[[], None] | None = None,
) -> None:
    """Write `updates` into the file, keeping everything else (comments included) as it is.

    The file as it would be is checked as load_config checks it (duplicate accounts
    included) before anything is written, so the app can never write a file it would
    refuse to read. Without an [account] section, `account` is the first [[accounts]]
    entry: the one load_config makes the main account. `before_write` runs once the
    result is known to be valid (the setup screen keeps a password only then).
    """
    for section, content in updates.items():
        if section not in SCHEMA:
            raise ConfigError(_unknown(path, section, None, list(SCHEMA)))
        for name, value in content.items():
            _checked(path, section, name, value)
    import tomlkit  # only when writing: start-up reads with tomllib

    document = _document(path)
    for section, content in updates.items():
        table = _table_to_update(document, section, path)
        for name, value in content.items():
            table[name] = value
    _write_checked(path, tomlkit.dumps(document), before_write)


def add_account(
    path: Path, account: Mapping[str, Any], *, before_write: Callable[[], None] | None = None
) -> None:
    """Append one `[[accounts]]` entry (the setup screen's « Ajouter un compte »),
    checked like the rest and against the accounts already there, comments kept.
    `before_write`: as for save_config, once the result is known to be valid."""
    for name, value in account.items():
        _checked(path, "account", name, value, shown=ACCOUNTS_SECTION)
    import tomlkit
    from tomlkit.items import AoT, Array

    document = _document(path)
    if ACCOUNTS_SECTION not in document:
        document[ACCOUNTS_SECTION] = tomlkit.aot()
    entries = document[ACCOUNTS_SECTION]
    if isinstance(entries, AoT):
        table: Any = tomlkit.table()
    elif isinstance(entries, Array):
        # `accounts = [ {…} ]` is the same TOML as [[accounts]]: one more inline table
        # keeps the user's layout; a [table] inside the array would be no TOML at all.
        table = tomlkit.inline_table()
    else:  # not a list of tables: refused as load_config refuses it
        _accounts(entries, path)
        table = tomlkit.table()
    for name, value in account.items():
        table[name] = value
    entries.append(table)
    _write_checked(path, tomlkit.dumps(document), before_write)


def _document(path: Path) -> Any:
    """The file as tomlkit keeps it (comments, layout), or an empty one."""
    import tomlkit

    try:
        return tomlkit.parse(path.read_text("utf-8")) if path.exists() else tomlkit.document()
    except UnicodeDecodeError:
        raise ConfigError(
            _("Fichier {path} : ce n'est pas du texte UTF-8.").format(path=shown_path(path))
        ) from None
    except Exception as exc:  # tomlkit raises several parse error types
        raise ConfigError(
            _("Fichier {path} : ce n'est pas un fichier TOML valide ({reason}).").format(
                path=shown_path(path), reason=clean_line(str(exc))
            )
        ) from None


def _table_to_update(document: Any, section: str, path: Path) -> Any:
    """Where `section`'s keys go: its table, made when missing; for `account` in a file
    of [[accounts]] only, the first entry (load_config's main account), so that no
    [account] is added beside the entry it was read from."""
    import tomlkit

    if section == "account" and section not in document:
        entries = document.get(ACCOUNTS_SECTION)
        if isinstance(entries, list) and entries and isinstance(entries[0], Mapping):
            return entries[0]
    if section not in document:
        document[section] = tomlkit.table()
    table = document[section]
    if not isinstance(table, Mapping):
        raise ConfigError(
            _("Fichier {path} : « {section} » doit être une section [{section}].").format(
                path=shown_path(path), section=shown_path(section)
            )
        )
    return table


def _write_checked(path: Path, text: str, before_write: Callable[[], None] | None) -> None:
    """Write `text` only if load_config would read it; the file is left as it was else."""
    _read(text, path)
    if before_write is not None:
        before_write()
    write_private(path, text)
