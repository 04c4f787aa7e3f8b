"""Themes are palettes in TOML files: shipped ones in themes/, the user's own in
<config folder>/themes/. A broken file is refused with a clear message, never fatal."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from textual.theme import Theme

from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.userfiles import UserFileError, read_limited, shown_path

DEFAULT_THEME = "courriel-sombre"
MAX_THEME_BYTES = 64 * 1024  # a theme is a few hundred bytes
SIXTEEN_COLOUR_THEME = "console"
_FIELDS = {f.name: f.type for f in fields(Theme)}


def shipped_dir() -> Path:
    """Inside the installed wheel (tui/themes), or the repository's themes/ in a checkout."""
    packaged = Path(__file__).resolve().parent / "themes"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "themes"


@dataclass
class ThemeSet:
    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_theme(path: Path) -> Theme:
    """Read one theme file; raise ValueError with a French message naming the problem."""
    try:
        data = tomllib.loads(read_limited(path, MAX_THEME_BYTES).decode("utf-8"))
    except (
        OSError,
        UserFileError,
        UnicodeDecodeError,
        tomllib.TOMLDecodeError,
        RecursionError,
    ) as exc:
        raise ValueError(
            _("Thème {path} ignoré : fichier illisible ({reason}).").format(
                path=shown_path(path), reason=clean_line(str(exc))
            )
        ) from None
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ValueError(
            _("Thème {path} ignoré : clé inconnue « {key} ».").format(path=path, key=unknown[0])
        )
    if not isinstance(data.get("name"), str) or not isinstance(data.get("primary"), str):
        raise ValueError(
            _("Thème {path} ignoré : « name » et « primary » sont obligatoires.").format(path=path)
        )
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError(
            _("Thème {path} ignoré : [variables] doit associer des noms à des couleurs.").format(
                path=path
            )
        )
    if data.get("ansi"):
        # Textual's own stylesheets use these two with ANSI themes (a missing one is a
        # fatal stylesheet error at start-up).
        data["variables"] = {
            "ansi-background": "ansi_black",
            "ansi-foreground": "ansi_white",
            **variables,
        }
    try:
        theme = Theme(**data)
        theme.to_color_system()  # parses every colour: a typo fails here, not at draw time
    except Exception as exc:  # Textual raises ColorParseError, TypeError…
        raise ValueError(
            _("Thème {path} ignoré : couleur invalide ({reason}).").format(path=path, reason=exc)
        ) from None
    return theme


def load_themes(user_dir: Path | None) -> ThemeSet:
    """Shipped themes, then the user's (which may override a shipped name)."""
    result = ThemeSet()
    folders = [shipped_dir()] + ([user_dir] if user_dir and user_dir.is_dir() else [])
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme(path)
            except ValueError as exc:
                result.problems.append(str(exc))
                continue
            result.themes[theme.name] = theme
    return result
