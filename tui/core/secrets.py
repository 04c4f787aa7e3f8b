"""Password sources: the OS keyring when a real one exists, a command, or this session only.

A password is never logged, written to a file of ours, or put into an exception: errors
name the source and what went wrong, never what a command or a keyring returned.

keyring traps (PITFALLS.md): its chainer reports a high priority even when it wraps only
plaintext file backends, and Secret Service is "detected" over D-Bus and then fails or
hangs headless. So a keyring counts as real only after unwrapping the chainer, refusing
file backends, and a set/get/delete round trip of a sentinel — in a daemon thread with a
timeout, so a hung D-Bus can never freeze the caller.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets as _random
import shlex
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from tui.core.errors import MailError
from tui.core.i18n import _

KEYRING_SERVICE = "courriel"
KEYRING_TIMEOUT = 5.0
COMMAND_TIMEOUT = 10.0

T = TypeVar("T")


class SecretError(MailError):
    """A password source failed. The message names the source, never the secret."""

    @property
    def title(self) -> str:
        return _("Mot de passe")


@dataclass(frozen=True)
class Source:
    """A way to obtain the password that works on this machine."""

    kind: str  # "keyring" | "command" | "ask"
    label: str
    detail: str = ""


@dataclass(frozen=True)
class KeyringStatus:
    """Whether a real keyring is usable here, and if not, why in plain words."""

    usable: bool
    backend: str  # class name, for `courriel doctor`
    explanation: str


def account_key(account: Mapping[str, Any]) -> str:
    """The keyring user name of an account: `username@imap_host`."""
    return f"{account.get('username', '')}@{account.get('imap_host', '')}"


# --- the keyring ------------------------------------------------------------------------

_lock = threading.Lock()
_status: KeyringStatus | None = None
_backend: Any = None


def _with_timeout(function: Callable[[], T], timeout: float) -> T:
    """Run `function` in a daemon thread; TimeoutError if it does not return in time."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = function()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=run, name="courriel-keyring", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def _candidates(root: Any) -> list[Any]:
    from keyring.backends.chainer import ChainerBackend

    if isinstance(root, ChainerBackend):
        return list(root.backends)
    return [root]


def _kind_of(backend: Any) -> str:
    """'none' (fail/null), 'plaintext' (a file on disk), or 'real' (worth a round trip)."""
    from keyring.backends import fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return "none"
    module = type(backend).__module__
    # keyrings.alt's file backends (and look-alikes such as keyrings.cryptfile) keep the
    # secrets in a file next to the user's data: not a keyring in our sense.
    if module.startswith(("keyrings.alt", "keyrings.cryptfile")) or hasattr(backend, "file_path"):
        return "plaintext"
    return "real"


def _round_trip(backend: Any) -> None:
    user = f"sonde-{_random.token_hex(8)}"
    sentinel = _random.token_urlsafe(24)
    backend.set_password(KEYRING_SERVICE, user, sentinel)
    try:
        if backend.get_password(KEYRING_SERVICE, user) != sentinel:
            raise RuntimeError("round trip")
    finally:
        backend.delete_password(KEYRING_SERVICE, user)


def _headless() -> bool:
    return sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS")


def _unusable(why: str) -> str:
    # Said to people who do not know « trousseau », « D-Bus » or TOML: what to choose
    # first, in plain words; the command is for those who already use one.
    return _(
        "Cet ordinateur n'offre pas de coffre-fort pour le mot de passe ({why}). Le plus "
        "simple : « Demander à chaque session », courriel le demande à chaque lancement "
        "et ne l'écrit nulle part. Si vous avez déjà un gestionnaire de mots de passe en "
        "ligne de commande, indiquez-le dans le fichier de configuration, par exemple : "
        'password_command = "pass show academie" (section [account]).'
    ).format(why=why)


def keyring_name(backend: Any) -> str:
    """The keyring as a teacher may know it, for a sentence: never keyring's class name
    (the Secret Service backend's class is called « Keyring »)."""
    module = type(backend).__module__
    if module.endswith((".SecretService", ".libsecret")):
        return _("le trousseau de votre session GNOME ou KDE")
    if module.endswith(".kwallet"):
        return _("KWallet, le trousseau de KDE")
    if module.endswith(".macOS"):
        return _("le trousseau de macOS")
    if module.endswith(".Windows"):
        return _("le gestionnaire d'identification de Windows")
    return _("le trousseau du système")


def _refusal(exc: BaseException, backend: Any) -> str:
    """What a keyring's failure means, in words; its class name is kept out of sight
    (its text too: it could quote the password)."""
    from keyring.errors import InitError, KeyringLocked

    name = keyring_name(backend)
    if isinstance(exc, KeyringLocked):
        return _("{name} est verrouillé").format(name=name)
    if isinstance(exc, InitError):
        return _("{name} n'a pas pu démarrer").format(name=name)
    return _("{name} a refusé l'accès").format(name=name)


def keyring_status(*, timeout: float = KEYRING_TIMEOUT, refresh: bool = False) -> KeyringStatus:
    """Probe the keyring once per process (or again with `refresh=True`)."""
    global _status, _backend
    with _lock:
        if _status is not None and not refresh:
            return _status
        _status, _backend = _probe(timeout)
        return _status


def _probe(timeout: float) -> tuple[KeyringStatus, Any]:
    try:
        import keyring

        root = _with_timeout(keyring.get_keyring, timeout)
        candidates = _candidates(root)
    except TimeoutError:
        return KeyringStatus(False, "", _unusable(_("le trousseau ne répond pas"))), None
    except Exception:
        why = _("le trousseau n'a pas pu être interrogé")
        return KeyringStatus(False, "", _unusable(why)), None
    kinds = [(backend, _kind_of(backend)) for backend in candidates]
    real = [b for b, kind in kinds if kind == "real"]
    failures: list[str] = []
    for backend in sorted(real, key=lambda b: float(getattr(b, "priority", 0)), reverse=True):
        name = keyring_name(backend)
        try:
            _with_timeout(functools.partial(_round_trip, backend), timeout)
        except TimeoutError:
            failures.append(_("{name} ne répond pas").format(name=name))
            continue
        except Exception as exc:
            failures.append(_refusal(exc, backend))
            continue
        explanation = _(
            "Le mot de passe sera gardé dans {name}, protégé par votre session sur cet "
            "ordinateur : courriel ne l'écrit dans aucun fichier."
        ).format(name=name)
        return KeyringStatus(True, type(backend).__name__, explanation), backend
    if failures:
        why = "; ".join(failures)
        if _headless():
            why = _("connexion à distance") + " — " + why
    elif any(kind == "plaintext" for _b, kind in kinds):
        why = _("seul un stockage en clair dans un fichier est disponible, et courriel le refuse")
    elif _headless():
        why = _("connexion à distance")
    else:
        why = _("aucun service de trousseau n'est installé")
    names = ",".join(type(b).__name__ for b in candidates)
    return KeyringStatus(False, names, _unusable(why)), None


def reset_keyring_status() -> None:
    """Forget the probe (tests, or after the user unlocked or installed a keyring)."""
    global _status, _backend
    with _lock:
        _status, _backend = None, None


def _keyring_backend(timeout: float) -> Any:
    status = keyring_status(timeout=timeout)
    return _backend if status.usable else None


# --- the password command ---------------------------------------------------------------


_MAX_COMMAND_OUTPUT = 64 * 1024  # a password is one short line


def _bounded_output(process: subprocess.Popen[bytes], timeout: float) -> tuple[bytes, bool]:
    """At most 64 KiB of the command's output, and whether it finished in time.

    communicate() kept everything: a command writing without end filled memory within
    its timeout. Past the limit the command is stopped; its first line is all we use.
    """
    assert process.stdout is not None
    stream = process.stdout
    box: list[bytes] = []
    reader = threading.Thread(target=lambda: box.append(stream.read(_MAX_COMMAND_OUTPUT)))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        return b"", False
    output = box[0] if box else b""
    if len(output) >= _MAX_COMMAND_OUTPUT:
        _kill(process)
        process.returncode = 0  # stopped by us, after what we needed
        return output, True
    try:
        process.wait(timeout=max(0.1, timeout))
    except subprocess.TimeoutExpired:
        return b"", False
    return output, True


def run_password_command(command: str, timeout: float = COMMAND_TIMEOUT) -> str:
    """First line of the command's output, run without a shell.

    Errors name the program only (its arguments may hold a secret) and never quote its
    output. It runs in its own session so a timeout kills its children too.
    """
    try:
        argv = shlex.split(command)
    except ValueError:
        argv = None
    if not argv:
        raise SecretError(
            _("password_command n'est pas une commande valide (vide ou guillemets non fermés).")
        )
    name = os.path.basename(argv[0])
    problem = ""
    output = b""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError:
        problem = _("est introuvable")
    except PermissionError:
        problem = _("n'est pas exécutable")
    except OSError as exc:
        problem = _("n'a pas pu être lancée ({reason})").format(reason=exc.strerror)
    else:
        output, finished = _bounded_output(process, timeout)
        if not finished:
            _kill(process)
            problem = _(
                "n'a pas répondu en {seconds} s (attend-elle une saisie, "
                "comme la phrase secrète de GPG ?)"
            ).format(seconds=f"{timeout:g}")
        elif process.returncode != 0:
            problem = _("a échoué (code de sortie {code})").format(code=process.returncode)
    if not problem:
        first = output.split(b"\n", 1)[0].removesuffix(b"\r")
        try:
            password = first.decode("utf-8")
        except UnicodeDecodeError:
            password, problem = "", _("n'a pas écrit du texte UTF-8")
        if not problem and not password:
            problem = _("n'a rien écrit sur sa première ligne")
        if not problem:
            return password
    # Raised here, outside every except block: no chained exception carries the output.
    raise SecretError(
        _("La commande de mot de passe « {name} » {problem}.").format(name=name, problem=problem),
        detail=_(
            "Sa sortie n'est jamais affichée, car elle pourrait contenir le mot de passe. "
            "Essayez la commande dans un terminal, ou changez password_command."
        ),
    )


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.communicate()


# --- this session's memory and refused passwords ---------------------------------------

_session: dict[str, str] = {}
_refused: dict[str, set[str]] = {}
_BLOCKED = "*"
_salt = _random.token_bytes(32)


def _digest(password: str) -> str:
    # Only a keyed digest of a refused password is kept, with a key that dies with the process.
    return hmac.new(_salt, password.encode("utf-8"), hashlib.sha256).hexdigest()


def _is_refused(key: str, password: str) -> bool:
    refused = _refused.get(key, set())
    return _BLOCKED in refused or _digest(password) in refused


def available_sources(
    account: Mapping[str, Any], *, timeout: float = KEYRING_TIMEOUT
) -> list[Source]:
    """The sources that work on this machine, best first. "ask" is always there.

    When the keyring is unusable, the "ask" source's `detail` carries the explanation.
    """
    sources: list[Source] = []
    status = keyring_status(timeout=timeout)
    if status.usable:
        sources.append(Source("keyring", _("Trousseau du système"), status.explanation))
    if str(account.get("password_command", "")).strip():
        sources.append(
            Source(
                "command",
                _("Commande de mot de passe"),
                _("Le mot de passe est lu par la commande indiquée dans password_command."),
            )
        )
    ask_detail = _("Demandé une fois par session, gardé en mémoire seulement.")
    if not status.usable:
        ask_detail = status.explanation
    sources.append(Source("ask", _("Demander à chaque session"), ask_detail))
    return sources


def get_password(
    account: Mapping[str, Any],
    *,
    timeout: float = KEYRING_TIMEOUT,
    command_timeout: float = COMMAND_TIMEOUT,
) -> str | None:
    """The password from the configured source, or None: ask the user. With no source
    chosen: the password command when one is written, else the keyring; then this session.

    A password marked refused by `invalidate` is never returned again, so a wrong stored
    password cannot be retried in a loop until the account is locked.
    Raises `SecretError` when the password command fails.
    """
    key = account_key(account)
    source = str(account.get("password_source", ""))
    command = str(account.get("password_command", "")).strip()
    candidates: list[Callable[[], str | None]] = []
    # A command the user wrote is the source they chose: probing the keyring first
    # (~0.2 s: backends, a round trip) would only delay the connection.
    if source == "keyring" or (source == "" and not command):
        candidates.append(lambda: _keyring_get(key, timeout))
    if source == "command" or (source == "" and command):
        if not command:
            raise SecretError(_("password_source vaut « command » mais password_command est vide."))
        candidates.append(lambda: run_password_command(command, command_timeout))
    candidates.append(lambda: _session.get(key))
    for candidate in candidates:
        password = candidate()
        if password and not _is_refused(key, password):
            return password
    return None


def _keyring_get(key: str, timeout: float) -> str | None:
    backend = _keyring_backend(timeout)
    if backend is None:
        return None
    try:
        value = _with_timeout(lambda: backend.get_password(KEYRING_SERVICE, key), timeout)
    except Exception:
        return None  # a keyring that fails now: fall back to the next source, quietly
    return value if isinstance(value, str) else None


def store_password(
    account: Mapping[str, Any],
    password: str,
    source: str | None = None,
    *,
    timeout: float = KEYRING_TIMEOUT,
) -> str:
    """Keep a password the user typed; returns where it went ("keyring" or "ask").

    `source=None` picks the keyring when a real one exists, else this session's memory.
    It also lifts any refusal recorded by `invalidate`.
    """
    key = account_key(account)
    if source is None:
        source = "keyring" if keyring_status(timeout=timeout).usable else "ask"
    if source == "keyring":
        backend = _keyring_backend(timeout)
        if backend is None:
            raise SecretError(keyring_status(timeout=timeout).explanation)
        failure = detail = ""
        try:
            _with_timeout(lambda: backend.set_password(KEYRING_SERVICE, key, password), timeout)
        except TimeoutError:
            failure = _("{name} ne répond pas").format(name=keyring_name(backend))
        except Exception as exc:  # its text could quote the password: keep the class only
            failure, detail = _refusal(exc, backend), type(exc).__name__
        if failure:
            raise SecretError(
                _("Le mot de passe n'a pas pu être enregistré : {why}.").format(why=failure),
                detail=detail,
            )
    elif source == "ask":
        _session[key] = password
    else:
        raise SecretError(
            _("Impossible d'enregistrer un mot de passe dans la source « {source} ».").format(
                source=source
            )
        )
    _refused.pop(key, None)
    return source


def forget_password(account: Mapping[str, Any], *, timeout: float = KEYRING_TIMEOUT) -> None:
    """Remove the password from this session and from the keyring (when one is usable)."""
    key = account_key(account)
    _session.pop(key, None)
    backend = _keyring_backend(timeout)
    if backend is None:
        return
    with contextlib.suppress(Exception):  # nothing stored is what we wanted
        _with_timeout(lambda: backend.delete_password(KEYRING_SERVICE, key), timeout)


def invalidate(account: Mapping[str, Any], password: str | None = None) -> None:
    """The server refused this password: never hand it out again in this process.

    With the password that failed, only that value is refused (an updated keyring entry
    or pass store is used again); without it, every source is blocked until
    `store_password`.
    """
    key = account_key(account)
    _session.pop(key, None)
    _refused.setdefault(key, set()).add(_BLOCKED if password is None else _digest(password))


def reset_session() -> None:
    """Forget this session's passwords and refusals (tests, or the user logs out)."""
    _session.clear()
    _refused.clear()
