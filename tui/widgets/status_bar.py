"""One line at the bottom: connection state, syncs, quota, outbox and new mail."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.formatting import size_short
from tui.core.i18n import _


class StatusBar(Widget):
    """Reads only its reactives; the app sets them from worker events."""

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    StatusBar.-warning {
        background: $warning-muted;
    }
    StatusBar.-error {
        background: $error-muted;
    }
    """

    folder: reactive[str] = reactive("")
    state: reactive[str] = reactive("")
    last_sync: reactive[datetime | None] = reactive(None)
    next_sync: reactive[datetime | None] = reactive(None)
    quota: reactive[tuple[int, int] | None] = reactive(None)  # (used KiB, limit KiB)
    outbox: reactive[int] = reactive(0)
    new_mail: reactive[int] = reactive(0)

    def render(self) -> Content:
        parts: list[Content] = [Content(self.folder), Content(self.state)]
        if self.last_sync is not None:
            parts.append(Content(_("synchro {time}").format(time=f"{self.last_sync:%H:%M}")))
        if self.next_sync is not None:
            parts.append(Content(_("prochaine {time}").format(time=f"{self.next_sync:%H:%M}")))
        if self.new_mail:
            parts.append(Content(_("{n} nouveau(x)").format(n=self.new_mail)).stylize("bold"))
        if self.outbox:
            parts.append(
                Content(_("boîte d'envoi : {n}").format(n=self.outbox)).stylize("bold $warning")
            )
        quota_part = self._quota()
        if quota_part is not None:
            parts.append(quota_part)
        return Content(" · ").join(part for part in parts if part.plain)

    def _quota(self) -> Content | None:
        if self.quota is None or not self.quota[1]:
            return None
        used, limit = self.quota
        percent = 100 * used / limit
        text = Content(
            _("quota {used} / {limit} ({percent} %)").format(
                used=size_short(used * 1024), limit=size_short(limit * 1024), percent=round(percent)
            )
        )
        return text.stylize("bold $error") if percent >= 90 else text
