"""The log file: where a traceback goes instead of the user's screen.

Tracebacks are written the standard way, without local variables: a frame's locals
hold message fields and, near the login, secrets (Textual's crash screen prints them;
PITFALLS.md). The file is the user's alone (0600) and rotates at 1 MB.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
from pathlib import Path

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line

LOGGER_NAME = "courriel"
_MAX_BYTES = 1024 * 1024
_HANDLER_NAME = "courriel-file"
log = logging.getLogger(LOGGER_NAME)


def log_path() -> Path:
    """~/.local/state/courriel/log/courriel.log on Linux (XDG_STATE_HOME honoured)."""
    import platformdirs

    return Path(platformdirs.user_log_dir(LOGGER_NAME)) / "courriel.log"


def _private_handler(target: Path) -> logging.Handler:
    """A rotating file created 0600 in a 0700 folder, opened on the first record only.

    logging.handlers (and the pickle, queue and socket modules it brings, ~1.5 MiB)
    loads here, when something is first logged, not with every import of the cache.
    """
    import logging.handlers

    class PrivateFileHandler(logging.handlers.RotatingFileHandler):
        def _open(self):  # type: ignore[no-untyped-def]
            path = Path(self.baseFilename)
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            return open(fd, "a", encoding="utf-8")

    handler = PrivateFileHandler(target, maxBytes=_MAX_BYTES, backupCount=2, delay=True)
    handler.set_name(_HANDLER_NAME)
    return handler


def _ours(handler: logging.Handler) -> bool:
    return handler.get_name() == _HANDLER_NAME


def setup(path: Path | None = None) -> Path:
    """Send courriel's log records to the file; returns its path.

    Without `path`, the file already in use is kept; with one, records move there.
    """
    for old in [h for h in log.handlers if _ours(h)]:
        current = Path(getattr(old, "baseFilename", ""))
        if path is None or current == Path(path).absolute():
            return current
        log.removeHandler(old)
        old.close()
    target = path or log_path()
    handler = _private_handler(target)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    # A full disk or a read-only home must not print "--- Logging error ---" on stderr,
    # where Textual draws the screen.
    logging.raiseExceptions = False
    return target


def current_path() -> Path:
    """The file records go to (set up on first use)."""
    return setup()


_REPEAT_SECONDS = 300.0
_recent: dict[tuple[str, str, int], float] = {}


def record(error: BaseException, where: str) -> Path:
    """Log `error` with its traceback; returns the log's path.

    Never a frame's locals, and the text of an exception only when it is one of ours
    (a MailError): Python's own messages can quote a header or a password's character.
    The same error from the same place is written once per five minutes, so a row
    redrawn at every frame cannot push the useful records out of the rotation.
    """
    path = current_path()
    tb = error.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    key = (where, type(error).__qualname__, tb.tb_lineno if tb else 0)
    now = time.monotonic()
    if now - _recent.get(key, -_REPEAT_SECONDS) < _REPEAT_SECONDS:
        return path
    if len(_recent) > 256:
        _recent.clear()
    _recent[key] = now
    log.error("%s\n%s", where, "".join(_describe(error, set())).rstrip())
    return path


def _describe(error: BaseException, seen: set[int]) -> list[str]:
    """A traceback in Python's layout, its chain included, without messages of others."""
    seen.add(id(error))
    lines: list[str] = []
    cause = error.__cause__
    context = None if error.__suppress_context__ else error.__context__
    if cause is not None and id(cause) not in seen:
        lines += _describe(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following:\n\n")
    elif context is not None and id(context) not in seen:
        lines += _describe(context, seen)
        lines.append("\nDuring handling of the above exception, another occurred:\n\n")
    lines.append("Traceback (most recent call last):\n")
    lines += traceback.format_tb(error.__traceback__)
    name = f"{type(error).__module__}.{type(error).__qualname__}"
    if isinstance(error, MailError):
        lines.append(f"{name}: {clean_line(error.message)[:300]}\n")
    else:
        lines.append(f"{name} (message not logged: it may quote mail or a secret)\n")
    return lines


def crash_text(path: Path) -> str:
    """What the terminal shows when courriel dies: no data, where the details are.

    Lines are short and the path stands alone on its line, never cut: it is copied.
    """
    return _(
        "courriel s'est arrêté à cause d'une erreur interne.\n"
        "Vos messages, brouillons et envois en attente sont conservés.\n"
        "Les détails techniques (sans le contenu de vos messages) sont dans :\n"
        "{path}\n"
        "Pour nous le signaler : courriel doctor --report > rapport.txt\n"
        "puis envoyez rapport.txt à l'équipe courriel.\n"
        "Relancez courriel pour reprendre."
    ).format(path=path)


def print_crash(path: Path) -> None:
    print(crash_text(path), file=sys.stderr)
