"""The user's sorting rules as a Sieve script (RFC 5228, with imap4flags RFC 5232), so
the server applies them on delivery, courriel running or not (#19).

Same meaning as tui/core/mail/rules.py where Sieve allows it: every rule's flags are added
first (they apply to wherever the message is filed), then the first rule that moves
files the message (an if/elsif chain: one copy, never two). Text matches with
`:contains`, which on the server ignores the case of ASCII letters only: « Élodie »
must be written with its accent and capital as it appears (said in the guide).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from tui.core.i18n import _
from tui.core.mail.rules import Rule
from tui.core.mail.sanitize import clean_line

SCRIPT_NAME = "courriel"
_HEADERS = {
    "from": ("from",),
    "to": ("to", "cc"),
    "subject": ("subject",),
    "keyword": ("subject", "from", "to", "cc"),
}


def quoted(text: str) -> str:
    """A Sieve quoted string; rules never hold CR, LF or other controls (refused when
    read), checked again here: a script is not the place to find out."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("control character in a Sieve string")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _list(items: Sequence[str]) -> str:
    return quoted(items[0]) if len(items) == 1 else "[" + ", ".join(map(quoted, items)) + "]"


def _test(rule: Rule) -> str:
    tests = [
        f"header :contains {_list(_HEADERS[condition])} {_list(words)}"
        for condition, words in rule.conditions.items()
    ]
    return tests[0] if len(tests) == 1 else "allof (" + ", ".join(tests) + ")"


def script(rules: Sequence[Rule], targets: dict[str, str]) -> str:
    """The Sieve script for `rules`; `targets` maps a rule's `move` to the server's
    folder name (tui.core.mail.rules.resolve), a rule whose folder is missing files nothing."""
    lines = [
        "# Règles de tri écrites par courriel depuis son fichier de configuration.",
        "# Modifiez-les dans courriel : ce script est réécrit à chaque installation.",
        'require ["fileinto", "imap4flags"];',
        "",
    ]
    for rule in rules:
        flags = [f for on, f in ((rule.flag, "\\Flagged"), (rule.read, "\\Seen")) if on]
        if flags:
            lines += [f"# {_comment(rule.label)}", f"if {_test(rule)} {{"]
            lines += [f"  addflag {quoted(flag)};" for flag in flags]
            lines += ["}"]
    keyword = "if"
    for rule in rules:
        target = targets.get(rule.move) if rule.move else None
        if target:
            lines += [f"# {_comment(rule.label)}", f"{keyword} {_test(rule)} {{"]
            lines += [f"  fileinto {quoted(target)};", "}"]
            keyword = "elsif"
    return "\r\n".join(lines) + "\r\n"


def _comment(text: str) -> str:
    """A rule's name in a `#` comment: one line, no control character."""
    return "".join(c if c.isprintable() else " " for c in text)[:200]


def fingerprint(text: str) -> str:
    """Which script is installed, kept to tell whether the rules changed since."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def other_script_active(name: str) -> str:
    return _(
        "Un autre filtre est actif sur le serveur (« {name} », une réponse d'absence "
        "peut-être) : courriel ne le remplace pas. Désactivez-le dans le webmail d'abord."
    ).format(name=clean_line(name)[:80])
