"""One line at the bottom: connection state, syncs, quota, outbox and new mail."""

from __future__ import annotations

from datetime import datetime

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from tui.core.i18n import _, ngettext
from tui.core.mail.formatting import figure, size_short
from tui.quota_notice import QUOTA_ERROR, QUOTA_WARNING, quota_level, quota_percent

FOLDER_RANK = 3  # below a connection problem, above the sync times
NEXT_SYNC_RANK = 2.8  # kept at 80 columns beside the folder's counts (issue #17)…
CONNECTED_RANK = 2.5  # …by giving up a plain « connecté » first
SLOW_AFTER = 5.0  # seconds a command may run before the bar says the server is slow


def link_text(
    text: str,
    *,
    retry_in: float | None = None,
    busy_for: float | None = None,
    silent_for: float | None = None,
    fault: str | None = None,
) -> str:
    """The connection part of the bar, true at this moment (issue #24): « connecté »
    only while commands complete; offline, when the next attempt comes; a server that
    answers badly, what it did wrong. `text` is what the last event said; `busy_for`
    is how long the command in flight has run, `silent_for` how long nothing came."""
    if retry_in is not None:
        base = _("le serveur répond mal : {reason}").format(reason=fault) if fault else text
        if retry_in >= 1:
            return _("{state} · reconnexion dans {seconds} s").format(
                state=base, seconds=int(retry_in + 0.5)
            )
        return _("{state} · reconnexion…").format(state=base)
    if silent_for is not None and silent_for >= SLOW_AFTER:
        return _("le serveur ne répond pas depuis {seconds} s").format(seconds=int(silent_for))
    if busy_for is not None and busy_for >= SLOW_AFTER:
        # Bytes still arrive (a big message on a slow link, or a server that trickles).
        return _("le serveur répond lentement ({seconds} s)").format(seconds=int(busy_for))
    return text


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
    marked: reactive[int] = reactive(0)  # messages marked for a batch action (#19)
    marked_size: reactive[int] = reactive(0)  # their bytes, in the clean-up view
    sending: reactive[tuple[int, int] | None] = reactive(None)  # batch operations sent

    def render(self) -> Content:
        # (what to keep longest when the line is too narrow, the part), in display order:
        # new mail, the outbox and a nearly full quota first, sync times last.
        # « connecté » is the normal state: on a narrow line the next sync says more; any
        # other state (offline, slow, syncing) outranks the next sync, which then waits.
        connected = self.state == _("connecté")
        parts: list[tuple[float, Content]] = [
            (FOLDER_RANK, Content(self.folder)),
            (CONNECTED_RANK if connected else 4, Content(self.state)),
        ]
        if self.last_sync is not None:
            time = f"{self.last_sync:%H:%M}"
            parts.append((1, Content(_("synchro {time}").format(time=time))))
        if self.next_sync is not None:
            time = f"{self.next_sync:%H:%M}"
            next_sync = _("prochaine synchro {time}").format(time=time)
            parts.append((NEXT_SYNC_RANK if connected else 0, Content(next_sync)))
        if self.new_mail:
            text = ngettext("{n} nouveau", "{n} nouveaux", self.new_mail).format(n=self.new_mail)
            parts.append((9, Content(text).stylize("bold")))
        if self.marked:
            text = ngettext("{n} marqué", "{n} marqués", self.marked).format(n=figure(self.marked))
            if self.marked_size:
                text += f" ({size_short(self.marked_size)})"
            parts.append((10, Content(text).stylize("bold")))
        if self.sending is not None:
            done, total = self.sending
            text = _("au serveur : {done}/{total}").format(done=done, total=total)
            parts.append((5, Content(text)))
        if self.outbox:
            text = _("boîte d'envoi : {n}").format(n=self.outbox)
            parts.append((8, Content(text).stylize("bold $warning")))
        quota_part = self._quota()
        if quota_part is not None:
            parts.append(quota_part)
        return self._fit([(rank, part) for rank, part in parts if part.plain])

    def _fit(self, parts: list[tuple[float, Content]]) -> Content:
        """Join the parts; when the line is too narrow, give up the least urgent first
        (the last sync, a normal quota, a plain « connecté », the next sync, then the
        folder's description, shortened before it goes), so that new mail, the outbox
        and a nearly full quota stay in view, and the next sync too at 80 columns."""
        width = self.content_size.width
        separator = Content(" · ")
        line = separator.join(part for _rank, part in parts)
        while width and line.cell_length > width and len(parts) > 1:
            index = min(range(len(parts)), key=lambda i: parts[i][0])
            rank, part = parts[index]
            room = part.cell_length - (line.cell_length - width)
            if rank == FOLDER_RANK and room >= 12:
                parts[index] = (rank, part.truncate(room, ellipsis=True))
            else:
                del parts[index]
            line = separator.join(part for _rank, part in parts)
        return line

    def _quota(self) -> tuple[float, Content] | None:
        """Plain below 80 %, then in the warning colour, and from 95 % in the error
        colour; a coloured quota is kept in view on a narrow line."""
        percent = quota_percent(self.quota)
        if self.quota is None or percent is None:
            return None
        used, limit = self.quota
        text = Content(
            _("quota {used} / {limit} ({percent} %)").format(
                used=size_short(used * 1024),
                limit=size_short(limit * 1024),
                percent=min(int(percent), 999),
            )
        )
        level = quota_level(self.quota)
        if level >= QUOTA_ERROR:
            return 7, text.stylize("bold $error")
        if level >= QUOTA_WARNING:
            return 7, text.stylize("bold $warning")
        return 2, text
