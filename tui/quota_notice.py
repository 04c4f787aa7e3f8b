"""When the mailbox is nearly full: the status bar's colour and a notice once per crossing,
saying which folders take the room and offering the clean-up view (`L`, #19).

The levels are 80 % (warning) and 95 % (error), as in `diagnose.quota_diagnosis`. The
notice is given when a level is crossed upwards, not at every sync and not again after
a restart: the level already announced is kept in the cache's meta table. Once the user
has made room below a level, crossing it again is news again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from tui.core.i18n import _
from tui.core.mail.formatting import size_short
from tui.core.mail.sanitize import clean_line
from tui.core.store.cache import Cache

if TYPE_CHECKING:
    from textual.app import App

QUOTA_WARNING = 80  # percent
QUOTA_ERROR = 95
_SHOWN_KEY = "quota_notice_level"  # the level last announced: "80", "95" or absent


@dataclass(frozen=True)
class QuotaNotice:
    message: str
    title: str
    severity: Literal["warning", "error"]


def quota_percent(quota: tuple[int, int] | None) -> float | None:
    """Used share of the quota in percent, or None when the server announces none."""
    if quota is None or quota[1] <= 0:
        return None
    used, limit = quota
    return 100 * used / limit


def quota_level(quota: tuple[int, int] | None) -> int:
    """0 (nothing to say), QUOTA_WARNING or QUOTA_ERROR."""
    percent = quota_percent(quota)
    if percent is None or percent < QUOTA_WARNING:
        return 0
    return QUOTA_ERROR if percent >= QUOTA_ERROR else QUOTA_WARNING


def quota_notice(cache: Cache) -> QuotaNotice | None:
    """The notice to show after a sync, if a level was just crossed; remembers it."""
    quota = cache.quota()
    level = quota_level(quota)
    stored = cache.meta(_SHOWN_KEY) or ""
    shown = int(stored) if stored.isdigit() else 0
    if level != shown:
        cache.set_meta(_SHOWN_KEY, str(level) if level else None)
    percent = quota_percent(quota)
    if level <= shown or percent is None:
        return None  # already said, or room was made (a later crossing warns again)
    message = _(
        "Votre boîte est pleine à {percent} %. Le plus de place : {folders}. L montre les "
        "plus gros messages de tous les dossiers ; videz ensuite la Corbeille (Ctrl+P, "
        "« Vider la corbeille »)."
    ).format(percent=min(int(percent), 999), folders=_fullest(cache))
    if level >= QUOTA_ERROR:
        return QuotaNotice(message, _("Boîte aux lettres pleine"), "error")
    return QuotaNotice(message, _("Boîte aux lettres presque pleine"), "warning")


def _fullest(cache: Cache, count: int = 3) -> str:
    """« Corbeille 120 Mo, Envoyés 80 Mo, Boîte de réception 40 Mo »: what takes the
    room, by the sizes of the messages downloaded."""
    from tui.widgets.folder_list import special_names

    names = special_names()
    uses = {row.name: row.special_use for row in cache.folders()}
    parts = []
    for folder, size in cache.folder_sizes()[:count]:
        use = uses.get(folder) or ("inbox" if folder.upper() == "INBOX" else None)
        label = names.get(use, "") if use else ""
        parts.append(f"{label or clean_line(folder)} {size_short(size)}")
    return ", ".join(parts) or _("rien de téléchargé")


def announce_quota(app: App[Any], cache: Cache) -> None:
    """Called after each sync: one notification when a level is crossed, else nothing."""
    notice = quota_notice(cache)
    if notice is not None:
        app.notify(notice.message, title=notice.title, severity=notice.severity, timeout=30)
