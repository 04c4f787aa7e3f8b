"""The username trap: the academy's servers want the short username, never the address.

hermes refuses `prenom.nom@ac-dijon.fr` without saying why (the webmail accepts it), so
the setup screen and `courriel doctor` turn what people type into the short form and
say so. What cannot be an academy username (accents, inner spaces, other characters)
is refused with the expected forms rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tui.core.i18n import _
from tui.core.mail.patterns import strip_accents
from tui.presets import DIJON

# prenom.nom, jdupont, jdupont2, jean-pierre.dupont: ASCII lower case, digits, dots and
# hyphens inside, starting with a letter.
USERNAME_RE = re.compile(r"[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*")  # use fullmatch
MAX_LENGTH = 64

# Copy-paste from a web page or a PDF brings these along at the edges.
_EDGE = " \t\r\n\v\f\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff"
_NAME_ADDR_RE = re.compile(r"^.*<([^<>]*)>$", re.DOTALL)


@dataclass(frozen=True)
class UsernameCheck:
    """What was typed, what to use, what was changed and why, and any blocking error.

    `changes` holds stable ids ("stripped", "display_name", "domain_removed",
    "other_domain", "lowercased") in the order applied; `notes` the matching sentences.
    `username` is the best effort even when `ok` is False; `suggestion` is a possible
    correct form when the text had accents or spaces (shown, never applied silently).
    """

    original: str
    username: str
    ok: bool
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: str = ""
    suggestion: str = ""

    @property
    def changed(self) -> bool:
        return self.username != self.original


def expected_forms() -> str:
    """« prenom.nom », « jdupont » ou « jdupont2 » — from the preset."""
    quoted = [f"« {example} »" for example in DIJON.username_examples]
    return _("{first} ou {last}").format(first=", ".join(quoted[:-1]), last=quoted[-1])


def _visible(char: str) -> str:
    """A character as a person can read it in an error message."""
    if char.isprintable() and not char.isspace():
        return f"« {char} »"
    if char == " ":
        return _("espace")
    return f"U+{ord(char):04X}"


def _shown(text: str) -> str:
    """Typed text quoted back: anything invisible or a control becomes U+FFFD."""
    return "".join(c if c.isprintable() else "\ufffd" for c in text[: MAX_LENGTH * 2])


def _suggest(text: str) -> str:
    """A plausible username from text with accents or spaces, or "" when none is."""
    candidate = strip_accents(text).lower()
    candidate = re.sub(r"[\s_]+", ".", candidate.strip())
    candidate = candidate.replace("'", "").replace("’", "")
    candidate = re.sub(r"\.{2,}", ".", candidate)
    return candidate if USERNAME_RE.fullmatch(candidate) and len(candidate) <= MAX_LENGTH else ""


def normalise_username(text: str) -> UsernameCheck:
    """Turn what the user typed into the short username, explaining every change."""
    original = text
    changes: list[str] = []
    notes: list[str] = []

    def fail(message: str, username: str, suggestion: str = "") -> UsernameCheck:
        full = message + " " + _("Formes attendues : {forms}.").format(forms=expected_forms())
        return UsernameCheck(
            original, username, False, tuple(changes), tuple(notes), full, suggestion
        )

    value = text.strip(_EDGE)
    if value != text and value:
        changes.append("stripped")
        notes.append(_("Les espaces au début et à la fin ont été retirés."))

    match = _NAME_ADDR_RE.match(value)
    if match and "@" in match.group(1):
        # « Marie Durand <marie.durand@ac-dijon.fr> » copied from a message header.
        value = match.group(1).strip(_EDGE)
        changes.append("display_name")
        notes.append(_("Seule l'adresse entre < > a été gardée."))

    if not value:
        return fail(_("Saisissez votre identifiant."), "")

    if "@" in value:
        local, _sep, domain = value.rpartition("@")
        if "@" in local:
            return fail(_("Un identifiant ne contient pas de « @ »."), value)
        if not local:
            return fail(_("Il manque la partie avant le « @ » : c'est elle, l'identifiant."), value)
        value = local
        changes.append("domain_removed")
        notes.append(
            _(
                "L'adresse complète a été remplacée par l'identifiant court « {short} » : "
                "le serveur de messagerie refuse l'adresse complète sans dire pourquoi "
                "(le webmail, lui, l'accepte)."
            ).format(short=_shown(value.lower()))
        )
        domain = domain.strip().lower()
        if domain and domain != DIJON.mail_domain:
            changes.append("other_domain")
            notes.append(
                _(
                    "« {domain} » n'est pas le domaine de l'académie ({academy}) : "
                    "vérifiez qu'il s'agit bien de votre compte académique."
                ).format(domain=_shown(domain), academy=DIJON.mail_domain)
            )

    lowered = value.lower()
    if lowered != value:
        changes.append("lowercased")
        notes.append(
            _(
                "Les identifiants s'écrivent en minuscules : « {typed} » devient « {short} »."
            ).format(typed=_shown(value), short=_shown(lowered))
        )
        value = lowered

    if USERNAME_RE.fullmatch(value) and len(value) <= MAX_LENGTH:
        return UsernameCheck(original, value, True, tuple(changes), tuple(notes))

    suggestion = _suggest(value)
    problems: list[str] = []
    allowed = set("abcdefghijklmnopqrstuvwxyz0123456789.-")
    accented = {c for c in value if not c.isascii() and strip_accents(c).isascii()}
    if len(value) > MAX_LENGTH:
        problems.append(
            _("Cet identifiant est trop long ({count} caractères, {limit} au plus).").format(
                count=len(value), limit=MAX_LENGTH
            )
        )
    if accented:
        problems.append(_("Les identifiants de l'académie n'ont pas d'accents."))
    if any(c.isspace() for c in value):
        problems.append(_("Un identifiant ne contient pas d'espace."))
    bad = sorted({c for c in value if c not in allowed and not c.isspace()} - accented)
    if bad:
        problems.append(
            _("Caractères impossibles dans un identifiant : {chars}.").format(
                chars=", ".join(_visible(c) for c in bad[:5])
            )
        )
    if not problems:
        problems.append(
            _(
                "Un identifiant commence par une lettre et n'a ni point ni tiret au début, "
                "à la fin ou deux fois de suite."
            )
        )
    message = " ".join(problems)
    if suggestion and suggestion != value:
        message += " " + _("Vouliez-vous dire « {suggestion} » ?").format(suggestion=suggestion)
    else:
        suggestion = ""
    return fail(message, value, suggestion)
