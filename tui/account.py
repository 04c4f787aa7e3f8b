"""The UI's view of one account: cache reads, and actions handed to core.

Screens call this and never speak IMAP. Actions are applied to the cache at once (the
list updates instantly, offline too) and queued for the server; the worker replays the
queue in order. In demo mode there is no worker: actions stay local.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from tui import undo
from tui.config import Config
from tui.core.account import contract
from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail import rules as rules_module
from tui.core.mail.formatting import attachment_kind, shown_date, size_short
from tui.core.mail.summary import Summary
from tui.core.store import actions, rule_runs
from tui.core.store.cache import Cache
from tui.core.store.records import BodyGone
from tui.undo import Undo, UndoStack
from tui.widgets.reader import ReaderView

if TYPE_CHECKING:
    from tui.core.mail.mime import RenderedMessage


Key = tuple[str, int]  # (folder, uid): search results mix folders


def format_addresses(addresses: list[tuple[str, str]]) -> str:
    """« Marie Durand <marie.durand@ac-dijon.fr> »: the real address always shown."""
    return ", ".join(f"{name} <{address}>" if name else address for name, address in addresses)


def _gone_text() -> str:
    return _(
        "La pièce jointe n'a pas pu être relue : le message n'est plus dans le cache. "
        "Rouvrez-le, puis réessayez."
    )


def reader_view(message: RenderedMessage, address: str = "") -> ReaderView:
    """What the reader shows of a message; `address`: the user's, to offer answering
    the invitations sent to it."""
    from tui.core.mail.invitations import invitation_blocks

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
        invitations=invitation_blocks(message, address),
        # A suspicious message: with its warnings, the key that files it away (#19).
        warnings=[*message.warnings, _("Indésirable ? I le range dans Indésirables.")]
        if message.warnings
        else [],
        notes=list(message.notes),
        links=[f"[{n}] {url}" for n, (_text, url) in enumerate(message.links, 1)],
        attachments=[
            f"{a.index}. {a.label} — {attachment_kind(a.content_type)}, {size_short(a.size)}"
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
        self._request = request
        # The worker's undo window in seconds (tui.session.UNDO_SECONDS), read when used.
        self._undo = UndoStack(undo_window)
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

    @property
    def address(self) -> str:
        """The user's address, as the messages they send give it."""
        from tui.core.mail.compose import Identity

        return Identity.from_account(self.config.account).email

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
        from tui.core.mail.mime import parse_message  # the MIME stack loads on the first open

        trusted = self.config.get("security", "trusted_domains")
        parsed = parse_message(source, trusted_domains=trusted)
        self._parsed = (folder, uid, parsed)
        return parsed

    def reader_view(self, folder: str, uid: int) -> ReaderView | None:
        """What the reader shows; a message that cannot be shown says so, never raises."""
        try:
            message = self.message(folder, uid)
            return reader_view(message, self.address) if message is not None else None
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

    def attachment_loader(self, folder: str, uid: int, index: int) -> Callable[[], bytes]:
        """A function for a worker thread that returns attachment `index`'s bytes.

        It reads on a cache connection of its own (a SQLite connection stays on the
        thread that opened it) and parses the message again there, so that neither
        the reading nor the decoding holds up the screen. Raises
        attachment_sandbox.TooBig past its limit, MailError when the message has left
        the cache."""
        path, durable_path = self.cache.path, self.cache.durable_path
        trusted = self.config.get("security", "trusted_domains")

        def load() -> bytes:
            from tui.core.mail.attachment_sandbox import attachment_bytes
            from tui.core.mail.mime import parse_message

            reader = Cache.open(path, durable_path=durable_path, check=False)
            try:
                source = reader.body_source(folder, uid)
                message = parse_message(source, trusted_domains=trusted) if source else None
                found = [a for a in message.attachments if a.index == index] if message else []
                if not found:
                    raise MailError(_gone_text())
                return attachment_bytes(found[0])
            except BodyGone as error:  # evicted or removed while it was read
                raise MailError(_gone_text()) from error
            finally:
                reader.close()

        return load

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
        """Every cached unread message of the folder marked read (one queued STORE per
        actions.OP_UIDS messages); how many there were. Messages not downloaded yet keep
        their state on the server."""
        uids = self.cache.unread_uids(folder)
        if uids:
            actions.set_flags(self.cache, folder, uids, add=["\\Seen"])
            self._send(contract.ReplayLater())
        return len(uids)

    def mark_answered(self, folder: str, uid: int) -> None:
        """\\Answered on a message replied to from another account (#20); no undo, as
        the Sent filing's own marking has none."""
        if actions.set_flags(self.cache, folder, [uid], add=["\\Answered"]):
            self._send(contract.ReplayLater())

    def empty_trash(self) -> int:
        """Every cached message of the Trash removed for good, at once in the cache and
        then on the server; how many there were. No undo: the UI asks first."""
        trash = self.cache.special_folder("trash")
        if trash is None:
            return 0
        uids = self.cache.uids(trash)
        if uids:
            actions.expunge(self.cache, trash, uids)
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

    def any_without(self, keys: Sequence[Key], flag: str) -> bool:
        """Whether one of these messages lacks the flag (a batch toggle then sets it)."""
        return any(flag not in s.flags for s in self._summaries(keys))

    def flag_many(self, keys: Sequence[Key], flag: str, on: bool) -> int:
        """Set or clear a flag on several messages (marked ones) as one undoable action;
        how many changed. Messages that already had it as asked are left alone."""
        summaries = [s for s in self._summaries(keys) if (flag in s.flags) != on]
        add, remove = ([flag], []) if on else ([], [flag])

        def act(folder: str, uids: list[int]) -> list[int]:
            return actions.set_flags(self.cache, folder, uids, add=add, remove=remove)

        return self._act(summaries, act, removed=False)

    def delete(self, keys: Sequence[Key]) -> int:
        """To the Trash; from the Trash itself (or without one), removed for good once
        the undo window has passed. How many messages went."""
        return self._act(self._summaries(keys), lambda f, u: actions.delete(self.cache, f, u))

    def archive(self, keys: Sequence[Key]) -> int:
        """Raises MailError when the account has no archive folder."""
        target = actions.archive_folder(self.cache)
        summaries = [s for s in self._summaries(keys) if s.folder != target]
        return self._act(summaries, lambda f, u: actions.move(self.cache, f, u, target))

    def move(self, keys: Sequence[Key], target: str) -> int:
        summaries = [s for s in self._summaries(keys) if s.folder != target]
        return self._act(summaries, lambda f, u: actions.move(self.cache, f, u, target))

    def junk(self, keys: Sequence[Key], *, is_junk: bool) -> int:
        """Into the Junk folder (MailError without one), or out of it back to the inbox;
        one undoable action. Only messages not in it, or in it, are moved."""
        junk = actions.junk_folder(self.cache) if is_junk else self.cache.special_folder("junk")
        summaries = [s for s in self._summaries(keys) if (s.folder == junk) != is_junk]
        return self._act(summaries, lambda f, u: actions.junk(self.cache, f, u, is_junk=is_junk))

    def _summaries(self, keys: Sequence[Key]) -> list[Summary]:
        """The cached summaries of these messages (those still cached), in key order."""
        return self.cache.summaries_of(keys)

    def _act(
        self,
        summaries: list[Summary],
        act: Callable[[str, list[int]], list[int]],
        *,
        removed: bool = True,
    ) -> int:
        """Apply an action folder by folder (see `_record`); how many messages it touched."""

        def run() -> list[int]:
            op_ids: list[int] = []
            for folder, uids in _by_folder((s.folder, s.uid) for s in summaries):
                op_ids.extend(act(folder, uids))
            return op_ids

        return self._record(summaries, run, removed=removed)

    def _record(
        self, summaries: list[Summary], run: Callable[[], list[int]], *, removed: bool
    ) -> int:
        """Run an action on the cache in one transaction and keep its undo (unless it is
        over undo.UNDO_MAX_MESSAGES); `summaries` are the messages as they were."""
        if not summaries:
            return 0
        bodies = self._bodies_for_undo(summaries) if removed else ()
        with self.cache.transaction():
            op_ids = run()
        if len(summaries) > undo.UNDO_MAX_MESSAGES:
            self._undo.clear()
        elif op_ids:
            entry = Undo(tuple(summaries), tuple(op_ids), removed, time.time(), bodies)
            self._undo.push(entry)
        self._send(contract.ReplayLater())
        return len(summaries)

    def apply_rules(self, plan: rules_module.Plan) -> int:
        """What the sorting rules' preview showed, as one undoable action."""
        summaries = self._summaries(sorted(plan.keys))
        return self._record(summaries, lambda: rule_runs.carry_out(self.cache, plan), removed=True)

    def _bodies_for_undo(self, summaries: list[Summary]) -> tuple[tuple[str, int, bytes], ...]:
        """The cached bodies of messages about to be removed, within
        undo.UNDO_BODY_BUDGET (a body over it is not even read)."""
        kept: list[tuple[str, int, bytes]] = []
        total = 0
        for folder, uids in _by_folder((s.folder, s.uid) for s in summaries):
            for uid, size in self.cache.body_sizes(folder, uids).items():
                if total + size > undo.UNDO_BODY_BUDGET:
                    continue
                raw = self.cache.body(folder, uid)
                if raw is not None:
                    kept.append((folder, uid, raw))
                    total += len(raw)
        return tuple(kept)

    @property
    def undo_seconds(self) -> float:
        return self._undo.window

    def forget_expired_undo(self) -> None:
        """Let go of actions whose undo window has closed (a batch's summaries with them)."""
        self._undo.forget_expired()

    def undo(self) -> Undo | None:
        """Put back the last action if its work has not reached the server yet.

        The worker replays an action once its undo window has passed since it was taken;
        an undo is refused a little before that, so that the two can never cross (the
        message put back here while the server moves it away).
        """
        entry = self._undo.pop(self.cache.pending_ops(), demo=self.demo)
        if entry is not None:
            undo.restore(self.cache, entry)
        return entry

    def replay_later(self) -> None:
        """Server work queued outside an action (a sent or deleted draft's server copy)
        goes with the next delayed replay, as removals do."""
        self._send(contract.ReplayLater())

    def set_rules(self, rules: tuple[rules_module.Rule, ...], *, here: bool = True) -> None:
        """Edited rules; the worker sorts new mail by them from now on, unless they run
        on the server (`here` False): never both."""
        self.config.rules = rules
        self._send(contract.SetRules(rules if here else ()))

    def rules_moved(self, installed: bool, script: str) -> str | None:
        """The server now applies the rules (or no longer does): noted in the data
        directory, and the worker stops (or resumes) applying them itself: never both.
        The problem in words if it could not be noted."""
        from tui.core.mail.sieve import fingerprint
        from tui.views import set_rules_on_server, views_path

        self.set_rules(self.config.rules, here=not installed)
        try:
            path = views_path(self.cache.durable_path)
            set_rules_on_server(path, fingerprint(script) if installed else None)
        except OSError as error:
            return _("Impossible de noter où les règles s'appliquent : {reason}").format(
                reason=error.strerror or error
            )
        return None

    def install_rules(self, script: str) -> None:
        """Put the rules on the server (ManageSieve); RulesOnServer or CommandFailed."""
        self._send(contract.InstallRules(script))

    def remove_rules(self) -> None:
        self._send(contract.RemoveRules())

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


def _by_folder(keys: Iterable[Key]) -> list[tuple[str, list[int]]]:
    """(folder, uids) in the order folders first appear."""
    grouped: dict[str, list[int]] = {}
    for folder, uid in keys:
        grouped.setdefault(folder, []).append(uid)
    return list(grouped.items())
