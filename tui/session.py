"""Opens the user's real account: its cache and (soon) its IMAP worker."""

from __future__ import annotations

from tui.account import Account
from tui.config import Config, cache_dir
from tui.core.cache import Cache


def cache_path(config: Config) -> str:
    account = config.account
    return f"{account['username'] or 'compte'}@{account['imap_host']}.sqlite3"


def open_account(config: Config) -> Account:
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cache = Cache.open(folder / cache_path(config))
    return Account(config, cache)
