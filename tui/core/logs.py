"""The log file: where a traceback goes instead of the user's screen.

Tracebacks are written the standard way, without local variables: a frame's locals
hold message fields and, near the login, secrets (Textual's crash screen prints them;
PITFALLS.md). The file is the user's alone (0600) and rotates at 1 MB.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from tui.core.i18n import _

LOGGER_NAME = "courriel"
_MAX_BYTES = 1024 * 1024
log = logging.getLogger(LOGGER_NAME)


def log_path() -> Path:
    """~/.local/state/courriel/log/courriel.log on Linux (XDG_STATE_HOME honoured)."""
    import platformdirs

    return Path(platformdirs.user_log_dir(LOGGER_NAME)) / "courriel.log"


class _PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating file created 0600 in a 0700 folder, opened on the first record only."""

    def _open(self):  # type: ignore[no-untyped-def]
        path = Path(self.baseFilename)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(fd, "a", encoding="utf-8")


def setup(path: Path | None = None) -> Path:
    """Send courriel's log records to the file; returns its path.

    Without `path`, the file already in use is kept; with one, records move there.
    """
    for old in [h for h in log.handlers if isinstance(h, _PrivateFileHandler)]:
        if path is None or Path(old.baseFilename) == Path(path).absolute():
            return Path(old.baseFilename)
        log.removeHandler(old)
        old.close()
    target = path or log_path()
    handler = _PrivateFileHandler(target, maxBytes=_MAX_BYTES, backupCount=2, delay=True)
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


def record(error: BaseException, where: str) -> Path:
    """Log `error` with its traceback (never its locals); returns the log's path."""
    path = current_path()
    log.error("%s", where, exc_info=(type(error), error, error.__traceback__))
    return path


def crash_text(path: Path) -> str:
    """What the terminal shows when courriel dies: no data, where the details are."""
    return _(
        "courriel s'est arrêté à cause d'une erreur interne. Vos messages, brouillons et "
        "envois en attente sont conservés.\n"
        "Les détails techniques (sans le contenu de vos messages) sont dans :\n"
        "    {path}\n"
        "Pour nous le signaler : courriel doctor --report > rapport.txt, puis envoyez "
        "rapport.txt à l'équipe courriel.\n"
        "Relancez courriel pour reprendre."
    ).format(path=path)


def print_crash(path: Path) -> None:
    print(crash_text(path), file=sys.stderr)
