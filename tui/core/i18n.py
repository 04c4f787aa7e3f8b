"""Translation: message ids are the French text, English comes from a gettext catalogue.

French is the default. An explicit `language` setting wins; otherwise a locale set to
another language (LANG=en_GB.UTF-8) selects English, while C/POSIX/unset keep French.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

SUPPORTED = ("fr", "en")
DOMAIN = "courriel"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locales"


class _French(gettext.NullTranslations):
    """The message ids themselves, with French plural rules: 0 and 1 take the singular
    (« 0 non lu », « 1 message »), where gettext's default would say « 0 non lus »."""

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return msgid1 if n <= 1 else msgid2

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        return msgid1 if n <= 1 else msgid2


_translation: gettext.NullTranslations = _French()
_current = "fr"


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """The language the user's locale asks for, French unless it names another one."""
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if not value:
            continue
        code = value.split(".")[0].split("_")[0].lower()
        if code in ("c", "posix", ""):
            return "fr"
        return "fr" if code == "fr" else "en"
    return "fr"


def set_language(language: str) -> None:
    """Switch every later `_()` call to `language` ("fr" or "en")."""
    global _translation, _current
    _current = language if language in SUPPORTED else "fr"
    if _current == "fr":
        _translation = _French()
    else:
        _translation = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[_current], fallback=True
        )


def current_language() -> str:
    return _current


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is defined; translated later with `_()`
    (module constants are built before the language is known)."""
    return message


def _(message: str) -> str:
    """Translate a French message id into the current language."""
    return _translation.gettext(message)


def pgettext(context: str, message: str) -> str:
    """Translate a French message id that means something else elsewhere: "Annuler" is
    Cancel in a dialog but Undo for the `u` key, so the undo one carries the context
    "undo" and gets its own English (a `msgctxt` entry in the catalogue)."""
    return _translation.pgettext(context, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)
