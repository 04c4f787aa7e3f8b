"""`courriel doctor --report`: what the team needs to fix a crash, nothing private.

Versions, paths and the end of the log file (tracebacks without local variables, see
tui/core/logs.py). No configuration values, no password, no message content is read.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata
from typing import TextIO

from tui import __version__
from tui.core import logs
from tui.core.i18n import _

_TAIL_LINES = 80
_PACKAGES = ("textual", "rich", "imapclient", "aiosmtplib", "keyring", "inscriptis")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def write_report(out: TextIO) -> int:
    from tui.config import default_config_path

    path = logs.current_path()
    print(f"courriel {__version__}", file=out)
    print(f"Python {platform.python_version()} ({sys.platform}, {platform.machine()})", file=out)
    print(", ".join(f"{name} {_version(name)}" for name in _PACKAGES), file=out)
    print(_("Configuration : {path}").format(path=default_config_path()), file=out)
    print(_("Journal : {path}").format(path=path), file=out)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        print(_("(journal vide : aucune erreur enregistrée)"), file=out)
        return 0
    print(_("--- fin du journal ---"), file=out)
    for line in lines[-_TAIL_LINES:]:
        print(line, file=out)
    return 0
