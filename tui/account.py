"""The UI's view of one account: cache reads, and actions handed to core.

Screens call this and never speak IMAP. Actions are applied to the cache at once (the
list updates instantly, offline too) and queued for the server; the worker replays the
queue in order. In demo mode there is no worker: actions stay local.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui.config import Config
from tui.core import actions, contract
from tui.core.cache import Cache, Summary
from tui.core.formatting import shown_date, size_short
from tui.core.i18n import _
from tui.widgets.reader import ReaderView

if TYPE_CHECKING:
    from tui.core.mime import RenderedMessage


MARK_BATCH = 500  # UIDs per queued operation when a whole folder is marked or emptied
UNDO_MARGIN = 0.5  # seconds before the window closes when `u` stops being honoured
# Bytes of removed bodies kept in memory for undo, all entries together. A body left out
# is fetched again from the server if the message is put back and opened (issue 23).
UNDO_BODY_BUDGET = 4 * 1024 * 1024


@dataclass(frozen=True)
class Undo:
    """Enough to put a removed message back while its server operation is still queued."""

    summary: Summary
    op_id: int
    description: str
    body: bytes | None = None


def format_addresses(addresses: list[tuple[str, str]]) -> str:
    """« Marie Durand <marie.durand@ac-dijon.fr> »: the real address always shown."""
    return ", ".join(f"{name} <{address}>" if name else address for name, address in addresses)


def reader_view(message: RenderedMessage) -> ReaderView:
    headers = [(_("De :"), format_addresses(message.from_))]
    if message.to:
        headers.append((_("À :"), format_addresses(message.to)))
    if message.cc:
        headers.append((_("Cc :"), format_addresses(message.cc)))
    headers.append((_("Date :"), shown_date(message.date, message.raw_date)))
    headers.append((_("Objet :"), message.subject))
    return ReaderView(
        headers=headers,
        body=message.body,
        invitations=[event.lines() for event in message.calendar],
        warnings=list(message.warnings),
        notes=list(message.notes),
        links=[f"[{n}] {url}" for n, (_text, url) in enumerate(message.links, 1)],
        attachments=[
            f"{a.index}. {a.label} — {a.content_type}, {size_short(a.size)}"
            for a in message.attachments
        ],
    )


class Account:
    """One account as the screens see it."""

    def __init__(
        self,
        config: Config,
        cache: Cache,
        *,
        request: Callable[[contract.Command], None] | None = None,
        demo: bool = False,
        undo_window: Callable[[], float] = lambda: 10.0,
    ) -> None:
        self.config = config
        self.cache = cache
        self.demo = demo
        # Set by the app from the worker's Connected / Offline; the demo never connects.
        self.online = False
        # The worker's undo window in seconds (tui.session.UNDO_SECONDS), read when used.
        self._undo_window = undo_window
        self._request = request
        self._undo: list[Undo] = []
        self._parsed: tuple[str, int, RenderedMessage] | None = None

    def reopen_cache(self) -> None:
        """The worker replaced a corrupt cache file: read the new one from now on."""
        path, durable_path = self.cache.path, self.cache.durable_path
        # The new one first: if it cannot be opened, the old connection still reads.
        fresh = Cache.open(path, durable_path=durable_path, check=False)
        self.cache.close()
        self.cache = fresh
        self._parsed = None

    # --- reading ------------------------------------------------------------------

    @property
    def can_compose(self) -> bool:
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    def message(self, folder: str, uid: int) -> RenderedMessage | None:
        """The parsed message if its body is cached (one parse kept for the open message).

        The body is read from the cache a chunk at a time, never whole in memory; its
        attachments stay references to the cached body until they are saved.
        """
        if self._parsed and self._parsed[:2] == (folder, uid):
            return self._parsed[2]
        self._parsed = None  # the previous message is let go before the next is read
        source = self.cache.body_source(folder, uid)
        if source is None:
            return None
        from tui.core.mime import parse_message  # the MIME stack loads on the first open

        trusted = self.config.get("security", "trusted_domains")
        parsed = parse_message(source, trusted_domains=trusted)
        self._parsed = (folder, uid, parsed)
        return parsed

    def reader_view(self, folder: str, uid: int) -> ReaderView | None:
        """What the reader shows; a message that cannot be shown says so, never raises."""
        try:
            message = self.message(folder, uid)
            return reader_view(message) if message is not None else None
        except Exception as error:
            from tui.core import logs

            path = logs.record(error, "reader")
            return ReaderView(
                headers=[],
                body=_(
                    "Ce message ne peut pas être affiché (message illisible). Les détails "
                    "sont dans le journal : {path}"
                ).format(path=path),
            )

    def fetch_body(self, folder: str, uid: int) -> None:
        self._send(contract.FetchBody(folder, uid))

    def has_body(self, folder: str, uid: int) -> bool:
        """Whether the message can be shown without the server (its body is cached)."""
        if self._parsed and self._parsed[:2] == (folder, uid):
            return True
        return self.cache.body_size(folder, uid) is not None

    @property
    def mark_read_delay(self) -> float | None:
        """Seconds of reading before a message is marked read; None: never automatically."""
        seconds = self.config.ui["mark_read_after_seconds"]
        return None if seconds < 0 else float(seconds)

    # --- actions ------------------------------------------------------------------

    def set_seen(self, folder: str, uid: int, seen: bool) -> None:
        summary = self.cache.summary(folder, uid)
        if summary is None or ("\\Seen" in summary.flags) == seen:
            return
        self._flag(folder, uid, "\\Seen", seen)

    def toggle_seen(self, folder: str, uid: int) -> None:
        summary = self.cache.summary(folder, uid)
        if summary is not None:
            self._flag(folder, uid, "\\Seen", "\\Seen" not in summary.flags)

    def toggle_flagged(self, folder: str, uid: int) -> None:
        summary = self.cache.summary(folder, uid)
        if summary is not None:
            self._flag(folder, uid, "\\Flagged", "\\Flagged" not in summary.flags)

    def mark_folder_read(self, folder: str) -> int:
        """Every cached unread message of the folder marked read, in batches of
        MARK_BATCH UIDs (one queued operation, one STORE each); how many there were.
        Messages not downloaded yet keep their state on the server."""
        uids = self.cache.unread_uids(folder)
        for start in range(0, len(uids), MARK_BATCH):
            actions.set_flags(self.cache, folder, uids[start : start + MARK_BATCH], add=["\\Seen"])
        if uids:
            self._send(contract.ReplayLater())
        return len(uids)

    def empty_trash(self) -> int:
        """Every cached message of the Trash removed for good, at once in the cache and
        then on the server (expunged in batches of MARK_BATCH UIDs); how many there
        were. No undo: the UI asks first."""
        trash = self.cache.special_folder("trash")
        if trash is None:
            return 0
        uids = self.cache.uids(trash)
        for start in range(0, len(uids), MARK_BATCH):
            actions.expunge(self.cache, trash, uids[start : start + MARK_BATCH])
        if uids:
            self._send(contract.ReplayLater())
        return len(uids)

    def _flag(self, folder: str, uid: int, flag: str, on: bool) -> None:
        if on:
            actions.set_flags(self.cache, folder, [uid], add=[flag])
        else:
            actions.set_flags(self.cache, folder, [uid], remove=[flag])
        # Replaying sends the whole queue in order, removals included: flags wait for
        # the same undo window so that they cannot push a delete out early.
        self._send(contract.ReplayLater())

    def delete(self, folder: str, uid: int) -> None:
        """To the Trash; from the Trash itself, removed for good (no undo then)."""
        self._remove(
            folder, uid, _("Suppression"), lambda: actions.delete(self.cache, folder, [uid])
        )

    def archive(self, folder: str, uid: int) -> None:
        self._remove(
            folder, uid, _("Archivage"), lambda: actions.archive(self.cache, folder, [uid])
        )

    def move(self, folder: str, uid: int, target: str) -> None:
        self._remove(
            folder, uid, _("Déplacement"), lambda: actions.move(self.cache, folder, [uid], target)
        )

    def _remove(
        self, folder: str, uid: int, description: str, action: Callable[[], int | None]
    ) -> None:
        summary = self.cache.summary(folder, uid)
        if summary is None:
            return
        body = self._body_for_undo(folder, uid)  # removed with the row; undo puts it back
        op_id = action()
        if op_id is not None:
            self._undo.append(Undo(summary, op_id, description, body))
            self._bound_undo_bodies()
        self._send(contract.ReplayLater())

    def _body_for_undo(self, folder: str, uid: int) -> bytes | None:
        """The body to keep for undo, unless it alone is over the budget (not even read)."""
        size = self.cache.body_size(folder, uid)
        if size is None or size > UNDO_BODY_BUDGET:
            return None
        return self.cache.body(folder, uid)

    def _bound_undo_bodies(self) -> None:
        """The newest removals keep their bodies within UNDO_BODY_BUDGET; older ones drop
        theirs (the server still has them until the move is replayed)."""
        kept = 0
        for position in range(len(self._undo) - 1, -1, -1):
            entry = self._undo[position]
            if entry.body is None:
                continue
            if kept + len(entry.body) <= UNDO_BODY_BUDGET:
                kept += len(entry.body)
            else:
                self._undo[position] = replace(entry, body=None)

    def undo(self) -> Summary | None:
        """Put back the last removed message if its move has not reached the server yet.

        The worker replays an action once its undo window has passed since it was taken;
        an undo is refused a little before that, so that the two can never cross (the
        message put back here while the server moves it away).
        """
        window = self._undo_window()
        deadline = time.time() - window + min(UNDO_MARGIN, window / 4)
        while self._undo:
            last = self._undo.pop()
            if any(
                op.id == last.op_id and (self.demo or op.created > deadline)
                for op in self.cache.pending_ops()
            ):
                self.cache.finish_op(last.op_id)
                self.cache.put_summaries([last.summary])
                if last.body is not None:
                    self.cache.put_body(last.summary.folder, last.summary.uid, last.body)
                self.cache.set_counts(last.summary.folder)
                return last.summary
        return None

    def replay_later(self) -> None:
        """Server work queued outside an action (a sent or deleted draft's server copy)
        goes with the next delayed replay, as removals do."""
        self._send(contract.ReplayLater())

    def search_server(self, folder: str, text: str) -> None:
        self._send(contract.SearchServer(folder, text))

    def create_folder(self, name: str) -> None:
        """On the server, when connected; FolderCommandDone or CommandFailed follows."""
        self._send(contract.CreateFolder(name))

    def rename_folder(self, name: str, new_name: str) -> None:
        self._send(contract.RenameFolder(name, new_name))

    def delete_folder(self, name: str) -> None:
        self._send(contract.DeleteFolder(name))

    def sync_now(self) -> None:
        self._send(contract.SyncAll(thorough=True))

    def sync_folder(self, folder: str) -> None:
        self._send(contract.SyncFolder(folder))

    def _send(self, command: contract.Command) -> None:
        if self._request is not None and not self.demo:
            self._request(command)
