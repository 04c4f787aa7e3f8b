"""Opening a file in the user's own editor ($VISUAL, $EDITOR), courriel suspended
meanwhile: the compose screen's Ctrl+E and the rules' « Modifier… »."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import Any

from textual.app import App, SuspendNotSupported

from tui.core.i18n import _
from tui.core.userfiles import file_reason


def edit_file(app: App[Any], path: Path) -> str | None:
    """Run the editor on `path` and wait for it; None once it exited cleanly, else what
    went wrong, in the user's words (no editor set, none that runs, an error exit)."""
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not command:
        return _(
            "Aucun éditeur configuré : définissez la variable EDITOR (par exemple export "
            "EDITOR=nano)."
        )
    try:
        with app.suspend():
            result = subprocess.run([*shlex.split(command), str(path)], check=False)
    except SuspendNotSupported:
        return _("Ce terminal ne permet pas de lancer un éditeur externe.")
    except (OSError, ValueError) as exc:  # ValueError: shlex on unbalanced quotes
        why = file_reason(exc) if isinstance(exc, OSError) else str(exc)
        return _("L'éditeur « {editor} » n'a pas pu être lancé ({why}).").format(
            editor=command, why=why
        )
    if result.returncode != 0:
        return _("L'éditeur a signalé une erreur (code {code}).").format(code=result.returncode)
    return None
