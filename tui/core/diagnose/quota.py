"""The mailbox nearly or quite full: what is taking the room and how to free it, with
the academy's quota facts (tui/core/diagnose/diagnose.py keeps the other diagnoses)."""

from __future__ import annotations

from collections.abc import Sequence

# Share of the quota from which the mailbox is reported as nearly full, and as full:
# the same points as the status bar's colours and notice (tui/quota_notice.py).
from tui.core.diagnose.diagnose import (
    QUOTA_FULL,
    QUOTA_NEARLY_FULL,
    Diagnosis,
)
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line, shorten


def quota_diagnosis(
    used_kib: int, limit_kib: int, biggest: Sequence[tuple[str, int]] = ()
) -> Diagnosis | None:
    """Full or nearly full mailbox: how much, and what to delete. None below the threshold.

    `biggest` is (subject, size in bytes) of the largest messages, to name them.
    """
    from tui.core.mail.formatting import size_short

    if limit_kib <= 0:
        return None
    ratio = used_kib / limit_kib
    if ratio < QUOTA_NEARLY_FULL:
        return None
    full = ratio >= QUOTA_FULL
    amounts = {
        "percent": min(int(ratio * 100), 999),
        "used": size_short(used_kib * 1024),
        "limit": size_short(limit_kib * 1024),
    }
    if full:
        title = _("Boîte aux lettres pleine")
        explanation = _(
            "Votre boîte est pleine à {percent} % ({used} sur {limit}) : les messages "
            "qui vous sont envoyés risquent d'être refusés, et les vôtres de ne pas "
            "s'enregistrer dans Envoyés."
        ).format(**amounts)
    else:
        title = _("Boîte aux lettres presque pleine")
        explanation = _(
            "Votre boîte est pleine à {percent} % ({used} sur {limit}). Faites de la place "
            "avant qu'elle ne refuse les messages."
        ).format(**amounts)
    steps: list[str] = []
    named = sorted(biggest, key=lambda item: item[1], reverse=True)[:5]
    if named:
        listed = "; ".join(
            _("« {subject} » ({size})").format(
                subject=_short_subject(subject), size=size_short(size)
            )
            for subject, size in named
        )
        steps.append(_("Supprimez d'abord les plus gros messages : {list}.").format(list=listed))
    else:
        steps.append(
            _("Supprimez d'abord les plus gros messages : ce sont les pièces jointes qui pèsent.")
        )
    steps += [
        _("Enregistrez d'abord sur votre ordinateur les pièces jointes à garder."),
        _(
            "Videz la Corbeille : les messages supprimés y comptent encore. Les Envoyés "
            "comptent aussi, avec leurs pièces jointes."
        ),
    ]
    return Diagnosis(title, explanation, steps, "quota_full" if full else "quota_nearly_full")


def _short_subject(subject: str, limit: int = 60) -> str:
    return shorten(clean_line(subject).strip() or _("(sans objet)"), limit)
