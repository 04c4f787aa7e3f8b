"""`courriel send` and `courriel sync` run in-process against the test bed: an account
in throwaway XDG folders, the bed's certificates trusted as the system's (SSL_CERT_FILE)
or not at all, and stdin as a script would give it."""

from __future__ import annotations

import io
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tui import cli
from tui.config import load_config
from tui.config_write import save_config
from tui.core import secrets
from tui.core.store.cache import Cache


@dataclass
class Script:
    """One account's config file, its user on the bed, and a way to run commands."""

    bed: Bed
    user: User
    config: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        """`courriel ARGS` with --config, stdin as bytes; (exit code, stdout, stderr)."""
        self.monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        self.capsys.readouterr()
        code = cli.main([*args[:1], "--config", str(self.config), *args[1:]])
        out, err = self.capsys.readouterr()
        return code, out, err

    def store(self) -> Cache:
        """The account's cache and durable store, as the app opens them."""
        from tui.session import cache_path, local_store_path

        config = load_config(self.config)
        return Cache.open(cache_path(config), durable_path=local_store_path(config), check=False)

    def set_account(self, **values: Any) -> None:
        save_config(self.config, {"account": values})


def free_port() -> int:
    """A port nothing listens on: a server that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def script_account(
    bed: Bed,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    trusted: bool = True,
    **account: Any,
) -> Script:
    """A fresh bed user configured in tmp_path; `trusted`: the bed's certificates are in
    the « system » store (else a script meets an unknown certificate)."""
    for var in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    if trusted:
        bundle = tmp_path / "bed-ca.pem"
        bundle.write_bytes(bed.dovecot.cert.read_bytes() + bed.smtp.cert.read_bytes())
        monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    else:
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    secrets.reset_session()
    user = bed.new_user()
    path = tmp_path / "config.toml"
    values = {
        "username": user.username,
        "email": user.email,
        "display_name": "Élodie Fèvre",
        "imap_host": "localhost",
        "imap_port": bed.imap_port,
        "smtp_host": "localhost",
        "smtp_port": bed.smtp_port,
        "password_command": f"echo {user.password}",
        **account,
    }
    save_config(path, {"account": values, "ui": {"language": "fr"}})
    return Script(bed, user, path, monkeypatch, capsys)
