"""Reading a file the user named: a regular file, of a bounded size, or a clear refusal.

`Path.read_bytes()` on /dev/zero grows memory without limit and on a FIFO waits forever
(issue #18). Every path typed on the command line or in the configuration goes through
`read_limited`, which opens without blocking, checks the file type, then reads at most
the limit plus one byte to tell "too big" from "just fits".
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line

MiB = 1024 * 1024


class UserFileError(MailError):
    """A file the user named cannot be read as asked; the message says why, in French."""


def shown_path(path: Path | str) -> str:
    """A path as it may be printed: no escape sequence from a file name reaches the
    terminal, and a 5 MB argument is not echoed whole."""
    text = clean_line(str(path))
    return text if len(text) <= 300 else text[:299] + "…"


def read_limited(path: Path, limit: int) -> bytes:
    """The whole file if it is a regular file of at most `limit` bytes.

    Raises FileNotFoundError as open() does (callers treat a missing file their way),
    and UserFileError for everything else: a folder, a FIFO, a device, too big,
    unreadable.
    """
    where = shown_path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise UserFileError(
            _("{path} est un dossier, pas un fichier.").format(path=where)
        ) from None
    except PermissionError:
        raise UserFileError(
            _("{path} : lecture refusée (droits insuffisants).").format(path=where)
        ) from None
    except OSError as error:
        raise _unreadable(where, error) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise UserFileError(_("{path} est un dossier, pas un fichier.").format(path=where))
        if not stat.S_ISREG(info.st_mode):
            raise UserFileError(
                _(
                    "{path} n'est pas un fichier ordinaire (tube, périphérique…) : "
                    "courriel ne lit que des fichiers."
                ).format(path=where)
            )
        if info.st_size > limit:
            raise UserFileError(_too_big(where, limit))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise _unreadable(where, error) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # grew while we read it
        raise UserFileError(_too_big(where, limit))
    return data


def file_reason(exc: OSError) -> str:
    """Why a file could not be read or written, as a short clause in the UI's language,
    never the system's English (« Permission denied ») nor a class name."""
    if isinstance(exc, PermissionError):
        return _("droits insuffisants")
    if isinstance(exc, FileNotFoundError):
        return _("dossier introuvable")
    if isinstance(exc, IsADirectoryError):
        return _("c'est un dossier")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("disque plein")
    if exc.errno == errno.EROFS:
        return _("disque en lecture seule")
    return _("erreur du système de fichiers")


def _unreadable(where: str, error: OSError) -> UserFileError:
    return UserFileError(
        _("{path} : lecture impossible ({reason}).").format(path=where, reason=file_reason(error))
    )


def _too_big(where: str, limit: int) -> str:
    from tui.core.mail.formatting import size_short

    return _("{path} est trop gros : courriel en lit au plus {limit}.").format(
        path=where, limit=size_short(limit)
    )


def write_private(path: Path, text: str) -> None:
    """Write a file of the user's whole or not at all (a temporary file, then renamed),
    readable by the user alone (0600): a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
