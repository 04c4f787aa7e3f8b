"""A newcomer in French sees no English word; in English, no French title (issue #17).

Error titles are translated when shown, not when the module is imported; Textual's
palette says « no match » in the user's language; a failed send, a keyring or an
unexpected error is explained in words, never by a Python class name or the system's
English text (« ConnectionResetError », « Connection reset by peer », « Keyring »).
"""

from __future__ import annotations

import ast
import asyncio
import socket
import ssl
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringLocked
from textual.app import App
from textual.command import CommandList, CommandPalette

from tests.app_helpers import demo_app
from tests.test_secrets import MemoryKeyring
from tui.core import secrets
from tui.core.diagnose.classify import ProtocolMismatch, plain_reason
from tui.core.diagnose.diagnose import diagnose
from tui.core.errors import (
    AuthError,
    CertificateError,
    ConfigError,
    ConnectionLost,
    MailError,
    SendError,
)
from tui.core.i18n import set_language
from tui.core.mail.attachments import AttachmentExists, AttachmentSaveError
from tui.core.mail.compose import AddressError, ComposeError
from tui.core.net.imap import CommandFailed
from tui.core.net.trust import CertificateChanged, TrustStore
from tui.core.secrets import SecretError
from tui.core.store.cache import Cache

ROOT = Path(__file__).resolve().parent.parent
PYTHON_NAMES = ("Error", "Exception", "Keyring", "Disconnected", "Reset")


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    set_language("fr")
    yield
    set_language("fr")


def bare(cls: type[MailError]) -> MailError:
    """An instance without running __init__: only its title is looked at."""
    return cls.__new__(cls)


# --- error titles --------------------------------------------------------------------

TITLES: list[tuple[type[MailError], str, str]] = [
    (MailError, "Erreur", "Error"),
    (ConfigError, "Configuration invalide", "Invalid configuration"),
    (AuthError, "Identification refusée", "Login refused"),
    (ConnectionLost, "Connexion impossible", "Cannot connect"),
    (CertificateError, "Certificat", "Certificate"),
    (SendError, "Envoi impossible", "Cannot send"),
    (ComposeError, "Message incomplet", "Incomplete message"),
    (AddressError, "Message incomplet", "Incomplete message"),
    (CommandFailed, "Commande refusée", "Command refused"),
    (AttachmentExists, "Fichier existant", "File already exists"),
    (AttachmentSaveError, "Enregistrement impossible", "Cannot save"),
    (CertificateChanged, "Certificat modifié", "Certificate changed"),
    (SecretError, "Mot de passe", "Password"),
    (ProtocolMismatch, "Mauvais port", "Wrong port"),
]


@pytest.mark.parametrize(("cls", "fr", "en"), TITLES, ids=[t[0].__name__ for t in TITLES])
def test_error_titles_follow_the_language_when_shown(
    cls: type[MailError], fr: str, en: str
) -> None:
    error = bare(cls)  # raised in French...
    assert error.title == fr
    set_language("en")  # ...shown after the user switched: the title follows
    assert error.title == en


def every_error_class() -> list[type[MailError]]:

    found: list[type[MailError]] = []
    todo: list[type[MailError]] = [MailError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return [cls for cls in found if cls.__module__.startswith("tui.")]


def test_no_error_title_is_frozen_at_import() -> None:
    """A subclass that writes `title = "…"` again would be French in English mode."""
    frozen = []
    for cls in every_error_class():
        assert isinstance(MailError.__dict__["title"], property)
        if not isinstance(getattr(cls, "title", None), property):
            frozen.append(cls.__name__)
    assert not frozen


# --- the command palette -------------------------------------------------------------


async def no_match_text(app: App[Any], pilot: Any) -> str:
    await pilot.press("ctrl+p")
    await pilot.pause()
    assert CommandPalette.is_open(app)
    await pilot.press(*"zzqqxw")
    await pilot.pause(1.0)  # Textual waits half a second before saying so
    options = app.screen.query_one(CommandList)
    return " ".join(
        str(options.get_option_at_index(i).prompt.renderable)  # type: ignore[union-attr]
        for i in range(options.option_count)
    )


async def test_palette_says_no_match_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            text = await no_match_text(app, pilot)
    assert "Aucun résultat" in text
    assert "No match" not in text


async def test_palette_says_no_match_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    set_language("en")
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            text = await no_match_text(app, pilot)
    assert "No results" in text


def test_the_palette_hook_we_override_still_exists() -> None:
    """tui.palette replaces a private method of Textual's palette: an upgrade that renames
    it would bring « No matches found » back silently."""
    from tui.palette import Palette

    assert "_start_no_matches_countdown" in vars(CommandPalette)
    assert "_start_no_matches_countdown" in vars(Palette)


# --- a failed send in the outbox ---------------------------------------------------------


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionResetError(),
        ConnectionResetError(104, "Connection reset by peer"),
        ConnectionAbortedError(),
        BrokenPipeError(32, "Broken pipe"),
        EOFError(),
        OSError(101, "Network is unreachable"),
        ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
        socket.gaierror(-2, "Name or service not known"),
        TimeoutError(),
        ConnectionRefusedError(111, "Connection refused"),
        OSError(),
        ValueError("something internal"),
    ],
    ids=repr,
)
def test_a_connection_failure_is_explained_in_french(exc: BaseException) -> None:
    from tui.core.net.smtp import _classify
    from tui.core.net.tls import _unreachable

    texts = [plain_reason(exc), str(_unreachable("hermes.ac-dijon.fr", 465, exc))]
    texts.append(_classify(exc).reason)
    for text in texts:
        assert text.strip()
        for english in (*PYTHON_NAMES, "reset", "peer", "unreachable", "known", "pipe"):
            assert english not in text, (text, english)


def test_the_reason_looks_through_wrapped_causes() -> None:
    wrapper = RuntimeError("outer")
    wrapper.__cause__ = ConnectionResetError()
    assert plain_reason(wrapper) == plain_reason(ConnectionResetError())


async def test_outbox_row_after_a_reset_connection_reads_french(tmp_path: Path) -> None:
    """The real path: the SMTP server resets the connection; the outbox screen shows the
    reason stored on the row."""
    from tui.core.net.smtp import send_pending
    from tui.core.store import outbox
    from tui.screens.outbox import OutboxScreen

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    server = await asyncio.start_server(reset, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    cache = Cache.open(tmp_path / "cache.sqlite3")
    raw = b"From: a@ac-dijon.fr\r\nTo: b@ac-dijon.fr\r\nSubject: essai\r\n\r\nbonjour\r\n"
    outbox.queue(cache, raw)
    account = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "username": "prenom.nom",
        "email": "a@ac-dijon.fr",
    }
    try:
        report = await send_pending(
            cache, account, TrustStore(tmp_path / "trust.toml"), "secret", timeout=5
        )
    finally:
        server.close()
    assert report.failed
    (row,) = outbox.pending(cache)
    assert row.last_error

    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(OutboxScreen(cache))

    app = Host()
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        shown = str(app.screen.query_one("#outbox-detail").render())
    cache.close()
    assert shown.startswith("Dernière erreur : ")
    for english in (*PYTHON_NAMES, "reset", "peer", "Connection"):
        assert english not in shown, shown


# --- the keyring in the setup screen -------------------------------------------------------


class SecretServiceKeyring(MemoryKeyring):
    """Looks like keyring's Secret Service backend (its class is named `Keyring`)."""


SecretServiceKeyring.__name__ = SecretServiceKeyring.__qualname__ = "Keyring"
SecretServiceKeyring.__module__ = "keyring.backends.SecretService"


class LockedKeyring(SecretServiceKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")


class LockedOnStore(SecretServiceKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        if not username.startswith("sonde-"):
            raise KeyringLocked("Failed to unlock the collection!")
        super().set_password(service, username, password)


@pytest.fixture
def keyring_backend() -> Iterator[Any]:
    import keyring

    before = keyring.get_keyring()

    def use(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        secrets.reset_keyring_status()
        return backend

    yield use
    keyring.set_keyring(before)
    secrets.reset_keyring_status()


def test_the_keyring_is_named_in_words(keyring_backend: Any) -> None:
    keyring_backend(SecretServiceKeyring())
    status = secrets.keyring_status()
    assert status.usable
    assert status.backend == "Keyring"  # for `courriel doctor` and the help desk
    (source, _ask) = secrets.available_sources({})
    for text in (status.explanation, source.detail):
        assert "Keyring" not in text and "Trousseau système :" not in text
        assert "GNOME" in text  # the one the teacher may know by name


def test_a_locked_keyring_is_explained_without_class_names(
    keyring_backend: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nowhere")
    keyring_backend(LockedKeyring())
    status = secrets.keyring_status()
    assert not status.usable
    assert "Keyring" not in status.explanation and "verrouillé" in status.explanation


def test_a_failed_store_is_explained_without_class_names(keyring_backend: Any) -> None:
    keyring_backend(LockedOnStore())
    with pytest.raises(SecretError) as caught:
        secrets.store_password({"username": "u", "imap_host": "h"}, "secret", "keyring")
    assert "KeyringLocked" not in caught.value.message
    assert "verrouillé" in caught.value.message
    assert caught.value.detail == "KeyringLocked"  # for the help desk, not the screen


# --- an unexpected error --------------------------------------------------------------------


def test_an_unexpected_error_is_not_named_by_its_class() -> None:
    d = diagnose(KeyError("x"))
    assert "KeyError" not in d.explanation
    assert "KeyError" in d.technical  # still there for the help desk


# --- the same fault elsewhere -------------------------------------------------------------

# Files outside this change that still put a class name into a sentence: each one is a
# known leak, to be removed from this list when it is fixed.
NOT_YET: set[str] = set()


def class_names_in_sentences() -> dict[str, list[int]]:
    """Every `_("…").format(…)` given `type(x).__name__` (also after an `or`)."""
    found: dict[str, list[int]] = {}
    for path in sorted((ROOT / "tui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "format"
                and isinstance(node.func.value, ast.Call)
                and isinstance(node.func.value.func, ast.Name)
                and node.func.value.func.id == "_"
            ):
                continue
            values = [*node.args, *(k.value for k in node.keywords)]
            if any(
                isinstance(sub, ast.Attribute) and sub.attr == "__name__"
                for value in values
                for sub in ast.walk(value)
            ):
                found.setdefault(str(path.relative_to(ROOT)), []).append(node.lineno)
    return found


def test_no_class_name_in_a_sentence() -> None:
    found = class_names_in_sentences()
    leaks = {path: lines for path, lines in found.items() if path not in NOT_YET}
    assert not leaks
    assert set(found) <= NOT_YET


@pytest.mark.parametrize(
    "exc",
    [
        PermissionError(13, "Permission denied"),
        FileNotFoundError(2, "No such file or directory"),
        IsADirectoryError(21, "Is a directory"),
        OSError(28, "No space left on device"),
        OSError(30, "Read-only file system"),
        OSError(5, "Input/output error"),
    ],
    ids=repr,
)
def test_a_file_failure_is_explained_in_french(exc: OSError) -> None:
    """What the setup screen says when it cannot write the configuration."""
    from tui.core.userfiles import file_reason

    text = file_reason(exc)
    assert text and text != exc.strerror and "Error" not in text
