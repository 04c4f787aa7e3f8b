"""Phishing hints for the reader header, as short French sentences.

Hints, not verdicts: the academy's advice is "check the sender, contact the DSI when in
doubt" (ACADEMY.md). Each check looks at something a user cannot easily see — the real
address behind a name, the real target of a link, a domain one letter away from the
academy's — and says it plainly. The academy never asks for a password by mail.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import urlsplit

from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.presets import DIJON

__all__ = ["check", "domain_of", "is_lookalike", "is_trusted"]

MAX_WARNINGS = 8

# Letters and digits that pass for others (Unicode TR39 confusables, the usual few).
_CONFUSABLES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "5": "s",
        "а": "a",  # Cyrillic
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "х": "x",
        "у": "y",
        "і": "i",
        "ј": "j",
        "ԁ": "d",
        "ո": "n",
        "ı": "i",
        "ɩ": "i",
        "ɡ": "g",
        "ν": "v",  # Greek
        "ο": "o",
        "α": "a",
        "ι": "i",
        "ε": "e",
    }
)
_ADDRESS_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_DOMAIN_IN_TEXT = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://)?((?:[\w-]+\.)+[a-z\u00e0-\u024f-]{2,})", re.IGNORECASE
)
_OFFICIAL_NAMES = re.compile(
    r"rectorat|acad[ée]mie|ac-dijon|dsi\b|[ée]ducation nationale|minist[èe]re|dsden|"
    r"service informatique|support|helpdesk|messagerie|administrat",
    re.IGNORECASE,
)
_SECRET = re.compile(
    r"mot[s]? de passe|identifiants?\b|password|\bnumen\b|code d'acc[èe]s|"
    r"donn[ée]es de connexion",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"saisi|confirm|v[ée]rifi|valid|communiqu|envoy|fourni|renseign|mettre [àa] jour|"
    r"mise [àa] jour|r[ée]activ|cliqu|connect|expir|d[ée]sactiv|suspend|bloqu|verify|confirm",
    re.IGNORECASE,
)


def domain_of(address: str) -> str:
    """The domain of an address, lower-cased, without a trailing dot."""
    return address.rpartition("@")[2].strip().strip(".").lower()


def _to_unicode(domain: str) -> str:
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):
                label = label[4:].encode("ascii").decode("punycode")
        labels.append(label)
    return ".".join(labels)


def is_trusted(domain: str, trusted: Sequence[str]) -> bool:
    """The domain is a trusted one or a subdomain of one (exact label match)."""
    domain = domain.lower().strip(".")
    return any(domain == t or domain.endswith("." + t) for t in (d.lower() for d in trusted))


def _skeleton(text: str) -> str:
    text = unicodedata.normalize("NFKD", _to_unicode(text.lower()))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z]", "", text.translate(_CONFUSABLES))


def _distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau-Levenshtein distance, cut short past `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def is_lookalike(domain: str, trusted: Sequence[str]) -> str | None:
    """The trusted domain that `domain` imitates, or None (trusted domains never are)."""
    if not domain or is_trusted(domain, trusted):
        return None
    skeleton = _skeleton(domain)
    first = _skeleton(domain.split(".")[0])
    for real in trusted:
        stem = _skeleton(real.rsplit(".", 1)[0])  # "acdijon", "educationgouv"
        if len(stem) < 5:
            continue
        if stem in skeleton or (len(first) >= 5 and _distance(first, stem) <= 2):
            return real
    return None


def _host(url: str) -> str:
    try:
        return (urlsplit(url.strip()).hostname or "").strip(".").lower()
    except ValueError:
        return ""


def _same_site(shown: str, real: str) -> bool:
    return real == shown or real.endswith("." + shown) or shown.endswith("." + real)


def check(
    *,
    from_: Sequence[tuple[str, str]],
    reply_to: Sequence[tuple[str, str]] = (),
    links: Sequence[tuple[str, str]] = (),
    body: str = "",
    subject: str = "",
    trusted_domains: Sequence[str] | None = None,
) -> list[str]:
    """French warnings for the reader header, most serious first; [] when nothing stands out."""
    trusted = tuple(trusted_domains) if trusted_domains is not None else DIJON.trusted_domains
    warnings: list[str] = []
    name, address = from_[0] if from_ else ("", "")
    sender_domain = domain_of(address) if "@" in address else ""

    domains = [(sender_domain, _("de l'expéditeur"))]
    domains += [(domain_of(a), _("de réponse")) for _n, a in reply_to if "@" in a]
    domains += [(_host(url), _("d'un lien")) for _t, url in links]
    seen: set[str] = set()
    for domain, role in domains:
        if not domain or domain in seen:
            continue
        seen.add(domain)
        real = is_lookalike(domain, trusted)
        if real:
            shown = clean_line(_to_unicode(domain))
            extra = f" ({domain})" if shown != domain else ""
            warnings.append(
                _(
                    "Le domaine {role} « {shown} »{extra} imite « {real} » : message suspect."
                ).format(role=role, shown=shown, extra=extra, real=real)
            )

    if not sender_domain:
        warnings.append(_("Adresse d'expéditeur absente ou illisible."))
    elif not is_trusted(sender_domain, trusted):
        if _OFFICIAL_NAMES.search(name):
            warnings.append(
                _(
                    "« {name} » se présente comme un service officiel mais écrit depuis "
                    "{address}, hors de l'académie."
                ).format(name=name, address=address)
            )
        else:
            warnings.append(
                _("Expéditeur extérieur à l'académie : {address}.").format(address=address)
            )

    for shown_address in _ADDRESS_IN_TEXT.findall(name):
        if shown_address.lower() != address.lower():
            if address:
                warning = _(
                    "Le nom affiché contient l'adresse {shown}, mais le message vient de {address}."
                ).format(shown=shown_address, address=address)
            else:
                warning = _(
                    "Le nom affiché contient l'adresse {shown}, mais le message n'indique "
                    "pas d'adresse d'expéditeur."
                ).format(shown=shown_address)
            warnings.append(warning)
            break

    for reply_name, reply_address in reply_to:
        if "@" in reply_address and sender_domain and domain_of(reply_address) != sender_domain:
            if not is_trusted(domain_of(reply_address), trusted):
                warnings.append(
                    _("Les réponses partiront vers {reply}, pas vers l'expéditeur.").format(
                        reply=reply_address
                    )
                )
            break
        del reply_name

    for text, url in links:
        host = _host(url)
        match = _DOMAIN_IN_TEXT.search(text)
        if not host or not match:
            continue
        shown = match.group(1).lower().strip(".")
        if not _same_site(shown, host):
            warnings.append(
                _("Le lien « {text} » mène en réalité à {host}.").format(text=text[:80], host=host)
            )
            if len(warnings) >= MAX_WARNINGS:
                break

    text = f"{subject}\n{body[:200_000]}"
    secret = _SECRET.search(text)
    if secret and (links or _REQUEST.search(text)):
        warnings.append(
            _(
                "Ce message parle de vos identifiants : l'académie ne demande jamais votre "
                "mot de passe par courriel."
            )
        )
    return [clean_line(w) for w in dict.fromkeys(warnings)][:MAX_WARNINGS]
