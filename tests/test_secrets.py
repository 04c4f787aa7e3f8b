"""Password sources: a real keyring, none, a refused plaintext one, the command, the session.

A sentinel password is pushed through every failure path and must appear in no
exception text, no chained exception and no log record.
"""

from __future__ import annotations

import logging
import sys
import threading
import tomllib
import traceback
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.errors import PasswordDeleteError

from tui.core import secrets
from tui.core.secrets import SecretError

SENTINEL = "Sentinelle-9f3Kq!x"
ACCOUNT = {
    "username": "prenom.nom",
    "imap_host": "hermes.ac-dijon.fr",
    "password_command": "",
    "password_source": "",
}


class MemoryKeyring(KeyringBackend):
    """A working keyring that keeps everything in a dict."""

    priority = 5  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class PlaintextFileKeyring(MemoryKeyring):
    """Works like keyrings.alt's PlaintextKeyring: a file on disk. Must be refused."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._path = path

    @property
    def file_path(self) -> str:
        return str(self._path)

    def set_password(self, service: str, username: str, password: str) -> None:
        super().set_password(service, username, password)
        self._path.write_text(repr(self.items))


class LeakyKeyring(MemoryKeyring):
    """Fails with the password in its error text, as a careless backend might."""

    def set_password(self, service: str, username: str, password: str) -> None:
        if username.startswith("sonde-"):
            return super().set_password(service, username, password)
        raise RuntimeError(f"cannot store {password}")


class HungKeyring(MemoryKeyring):
    """A Secret Service whose D-Bus never answers."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(60)


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    previous = keyring.get_keyring()
    secrets.reset_keyring_status()
    secrets.reset_session()
    yield
    keyring.set_keyring(previous)
    secrets.reset_keyring_status()
    secrets.reset_session()


def use(backend: KeyringBackend) -> KeyringBackend:
    keyring.set_keyring(backend)
    secrets.reset_keyring_status()
    return backend


def account(**changes: str) -> dict[str, str]:
    return {**ACCOUNT, **changes}


def assert_no_sentinel(exc: BaseException) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        text = "".join(traceback.format_exception(seen)) + repr(seen.args) + str(vars(seen))
        assert SENTINEL not in text
        seen = seen.__cause__ or seen.__context__


# --- keyring ------------------------------------------------------------------------------


def test_working_keyring_is_used(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    backend = use(MemoryKeyring())
    status = secrets.keyring_status()
    assert status.usable and status.backend == "MemoryKeyring"
    assert [s.kind for s in secrets.available_sources(ACCOUNT)] == ["keyring", "ask"]
    assert backend.items == {}  # the probe cleaned up after itself
    assert secrets.store_password(ACCOUNT, SENTINEL) == "keyring"
    assert backend.items == {("courriel", "prenom.nom@hermes.ac-dijon.fr"): SENTINEL}
    assert secrets.get_password(ACCOUNT) == SENTINEL
    secrets.forget_password(ACCOUNT)
    assert secrets.get_password(ACCOUNT) is None
    assert SENTINEL not in caplog.text


def test_no_backend_explains_and_offers_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    use(fail.Keyring())
    status = secrets.keyring_status()
    assert not status.usable
    assert status.explanation.startswith(
        "Cet ordinateur n'offre pas de coffre-fort pour le mot de passe (connexion à distance)."
    )
    # No « D-Bus » for a teacher, and the example copies into config.toml as valid TOML.
    assert "D-Bus" not in status.explanation and "trousseau" not in status.explanation
    example = status.explanation.split("par exemple : ")[1].split(" (section")[0]
    assert tomllib.loads(example) == {"password_command": "pass show academie"}
    sources = secrets.available_sources(account(password_command="pass show academie"))
    assert [s.kind for s in sources] == ["command", "ask"]
    assert sources[-1].detail == status.explanation
    with pytest.raises(SecretError, match="coffre-fort"):
        secrets.store_password(ACCOUNT, SENTINEL, "keyring")
    assert secrets.store_password(ACCOUNT, SENTINEL) == "ask"  # memory only
    assert secrets.get_password(ACCOUNT) == SENTINEL


def test_plaintext_file_backend_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keyring_pass.cfg"
    use(PlaintextFileKeyring(path))
    status = secrets.keyring_status()
    assert not status.usable
    assert "en clair" in status.explanation
    assert secrets.store_password(ACCOUNT, SENTINEL) == "ask"
    assert not path.exists() or SENTINEL not in path.read_text()


def test_hung_keyring_does_not_freeze_the_caller() -> None:
    hung = HungKeyring()
    use(hung)
    try:
        status = secrets.keyring_status(timeout=0.5)
    finally:
        hung.release.set()
    assert not status.usable and "ne répond pas" in status.explanation


def test_failing_keyring_never_quotes_the_password() -> None:
    use(LeakyKeyring())
    assert secrets.keyring_status().usable
    with pytest.raises(SecretError) as caught:
        secrets.store_password(ACCOUNT, SENTINEL, "keyring")
    assert "RuntimeError" not in str(caught.value)  # in words on the screen (#17)...
    assert caught.value.detail == "RuntimeError"  # ...the class kept for the help desk
    assert_no_sentinel(caught.value)


# --- password command ---------------------------------------------------------------------


def script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "motdepasse.sh"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o700)
    return str(path)


def test_command_first_line_without_a_shell(tmp_path: Path) -> None:
    use(fail.Keyring())
    command = script(tmp_path, f'printf "%s\\nligne2\\n" "{SENTINEL}"')
    assert secrets.run_password_command(command) == SENTINEL
    assert secrets.get_password(account(password_command=command)) == SENTINEL
    # No shell: metacharacters are plain arguments.
    assert secrets.run_password_command("printf %s 'a;b|c'") == "a;b|c"


def test_a_written_command_is_used_before_the_keyring(tmp_path: Path) -> None:
    """With no source chosen, a configured command wins: the keyring is not even probed
    (the probe costs ~0.2 s before the connection can start)."""
    backend = use(MemoryKeyring())
    backend.items[("courriel", "prenom.nom@hermes.ac-dijon.fr")] = "ancien"
    command = script(tmp_path, f'echo "{SENTINEL}"')
    assert secrets.get_password(account(password_command=command)) == SENTINEL
    assert secrets.get_password(account()) == "ancien"  # no command: the keyring
    assert secrets.get_password(account(password_source="keyring", password_command=command)) == (
        "ancien"
    )


def test_command_failure_names_the_program_not_the_output(tmp_path: Path) -> None:
    command = script(tmp_path, f'echo "{SENTINEL}"; echo "{SENTINEL}" >&2; exit 3')
    with pytest.raises(SecretError) as caught:
        secrets.run_password_command(command + f" {SENTINEL}")
    message = str(caught.value)
    assert "« motdepasse.sh »" in message and "code de sortie 3" in message
    assert_no_sentinel(caught.value)


def test_command_timeout_kills_it(tmp_path: Path) -> None:
    command = script(tmp_path, f'echo "{SENTINEL}"; sleep 30; echo fin')
    with pytest.raises(SecretError, match=r"n'a pas répondu en 0\.5 s") as caught:
        secrets.run_password_command(command, timeout=0.5)
    assert_no_sentinel(caught.value)


def test_command_empty_output(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match="rien écrit"):
        secrets.run_password_command(script(tmp_path, "echo; echo deuxième"))


def test_command_missing_or_malformed() -> None:
    with pytest.raises(SecretError, match="introuvable"):
        secrets.run_password_command("/nulle/part/pass show academie")
    with pytest.raises(SecretError, match="pas une commande valide"):
        secrets.run_password_command("pass show 'academie")
    with pytest.raises(SecretError, match="password_command est vide"):
        secrets.get_password(account(password_source="command"))


# --- session memory and refused passwords -------------------------------------------------


def test_ask_source_keeps_it_in_memory_only(tmp_path: Path) -> None:
    use(MemoryKeyring())
    assert secrets.get_password(account(password_source="ask")) is None
    secrets.store_password(ACCOUNT, SENTINEL, "ask")
    assert secrets.get_password(account(password_source="ask")) == SENTINEL
    secrets.reset_session()  # a new process
    assert secrets.get_password(account(password_source="ask")) is None


def test_refused_password_is_not_reused_in_a_loop(tmp_path: Path) -> None:
    backend = use(MemoryKeyring())
    secrets.store_password(ACCOUNT, "ancien-mot-de-passe")
    secrets.invalidate(ACCOUNT, "ancien-mot-de-passe")
    assert secrets.get_password(ACCOUNT) is None  # the app asks again
    secrets.store_password(ACCOUNT, SENTINEL)  # the user typed a new one
    assert secrets.get_password(ACCOUNT) == SENTINEL
    assert backend.items[("courriel", "prenom.nom@hermes.ac-dijon.fr")] == SENTINEL


def test_refused_command_password_is_not_reused(tmp_path: Path) -> None:
    use(fail.Keyring())
    command = script(tmp_path, f'echo "{SENTINEL}"')
    config = account(password_command=command)
    secrets.invalidate(config, SENTINEL)
    assert secrets.get_password(config) is None
    secrets.invalidate(config)  # without the value: every source blocked
    secrets.store_password(config, "nouveau", "ask")
    assert secrets.get_password(config) == SENTINEL  # store lifts the block; command first


def test_store_into_command_is_refused() -> None:
    with pytest.raises(SecretError) as caught:
        secrets.store_password(ACCOUNT, SENTINEL, "command")
    assert_no_sentinel(caught.value)


def test_a_password_command_that_never_stops_writing_is_bounded() -> None:
    """Review: communicate() kept the whole output: `yes` filled memory in 10 s."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert secrets.run_password_command("yes motdepasse", timeout=5) == "motdepasse"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 50_000
