"""Key names as people read them on their keyboard, in the interface language.

Textual names keys in English shorthand (« esc », « pgdn », « del », « ^p »); a French
keyboard says « Échap », « Pg suiv », « Suppr », « Ctrl ». The footer, the help screen
(?) and the command palette all name keys through `key_name`, so they always agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.keys import format_key

from tui.core.i18n import pgettext


def _names() -> dict[str, str]:
    """Built at each call, not at import: the language is chosen after this module loads
    (and literal calls let the extractor see every name)."""
    return {
        "escape": pgettext("key", "Échap"),
        "tab": pgettext("key", "Tab"),
        "delete": pgettext("key", "Suppr"),
        "pageup": pgettext("key", "PgPréc"),
        "pagedown": pgettext("key", "PgSuiv"),
        "home": pgettext("key", "Début"),
        "end": pgettext("key", "Fin"),
        "enter": pgettext("key", "Entrée"),
        "space": pgettext("key", "Espace"),
    }


def _modifiers() -> dict[str, str]:
    return {
        "ctrl": "Ctrl",
        "shift": pgettext("key", "Maj"),
        "alt": "Alt",
    }


def key_name(key: str) -> str:
    """One Textual key ("escape", "ctrl+s", "pagedown", "question_mark", "G") as shown:
    « Échap », « Ctrl+S », « PgSuiv », « ? », « G »."""
    *modifiers, base = key.split("+")  # Textual writes "+" itself as "plus"
    name = _names().get(base)
    if name is None:
        name = format_key(base)
        if len(base) > 1 and base[0] == "f" and base[1:].isdigit():
            name = base.upper()  # f5 → F5
        elif modifiers and len(name) == 1:
            name = name.upper()  # Ctrl+S, as printed on the key
    known = _modifiers()
    return "+".join([*(known.get(m, m.capitalize()) for m in modifiers), name])


def keys_name(keys: Iterable[str]) -> str:
    """Several keys for one action: « d, Suppr »."""
    return ", ".join(key_name(key.strip()) for key in keys)
