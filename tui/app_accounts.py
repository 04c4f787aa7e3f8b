"""Several accounts in one app (#20): one slot per account, each with its own cache,
worker, password, connection state and sync timer.

The handlers of tui/account_events.py and tui/sending.py speak of « the account »
(`self.account`, `self.session`, `self._password`…). Here those names read the slot
the app is busy with: the account on screen, or, while one of its events is handled,
the account that sent it. An event of an account not on screen thus updates that
account's state only; `_mailbox()` finds no mailbox for it, so nothing of it is drawn
over the account shown, and the folder pane's account rows are re-read instead. One
account offline, hanging or refused never touches another's slot or worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from textual.app import App
from textual.message import Message
from textual.timer import Timer

from tui.bridge import AccountEvent, carry
from tui.config import Config, account_label
from tui.core.account import contract
from tui.core.i18n import _
from tui.screens.mailbox import MailboxScreen
from tui.widgets.folder_list import AccountRow

if TYPE_CHECKING:
    from tui.account import Account
    from tui.core.store.cache import Cache
    from tui.session import AccountSession
    from tui.several import Sender

T = TypeVar("T")

# Events after which the folder pane's account rows (unread, state) are re-read.
PANE_EVENTS = (
    contract.Connected,
    contract.Offline,
    contract.AuthFailed,
    contract.CertificateDecisionNeeded,
    contract.CertificateRefused,
    contract.FolderSynced,
    contract.BackfillDone,
    contract.SyncDone,
)
UNCOUNTED = ("junk", "trash")  # unread there is not mail waiting for the user


@dataclass(eq=False)
class Slot:
    """One account and what the app knows of its connection."""

    index: int
    config: Config  # the settings seen from this account (Config.for_account)
    account: Account
    session: AccountSession | None
    password: str | None = None
    synced_once: bool = False
    link_base: str = ""
    retry_at: float | None = None
    fault: str | None = None
    sync_timer: Timer | None = None

    @property
    def label(self) -> str:
        return account_label(self.config.account)

    def unread(self) -> int:
        """Unread messages of every folder but the junk and the trash."""
        try:
            folders = self.account.cache.folders()
        except Exception:  # a damaged cache: its worker's check rebuilds it
            return 0
        return sum(f.unread for f in folders if f.special_use not in UNCOUNTED)


def slots_of(config: Config, opened: Sequence[tuple[Account, AccountSession | None]]) -> list[Slot]:
    """A slot for each opened account, in the config's order ([account] first)."""
    return [
        Slot(index, config if index == 0 else config.for_account(index), account, session)
        for index, (account, session) in enumerate(opened)
    ]


def _slot_property(name: str) -> Any:
    def get(self: AccountSlots) -> Any:
        return getattr(self._slot, name)

    def set_(self: AccountSlots, value: Any) -> None:
        setattr(self._slot, name, value)

    return property(get, set_)


class AccountSlots(App[None]):
    """A part of CourrielApp: its accounts, the one shown, the one being handled."""

    slots: list[Slot]
    _slot: Slot  # the account being handled now
    _shown: Slot  # the account on screen

    account = _slot_property("account")
    session = _slot_property("session")
    config = _slot_property("config")
    _password = _slot_property("password")
    _synced_once = _slot_property("synced_once")
    _link_base = _slot_property("link_base")
    _retry_at = _slot_property("retry_at")
    _fault = _slot_property("fault")
    _sync_timer = _slot_property("sync_timer")

    def _set_slots(self, slots: list[Slot]) -> None:
        self.slots = slots
        self._slot = self._shown = slots[0]
        for slot in slots:
            if slot.session is not None:
                slot.session.post = self._poster(slot)

    def _poster(self, slot: Slot) -> Callable[[contract.Event], None]:
        def post(event: contract.Event) -> None:
            self._post_for(slot, event)

        return post

    @property
    def several(self) -> bool:
        return len(self.slots) > 1

    def _post_for(self, slot: Slot, event: contract.Event) -> None:
        """Called on the slot's worker thread: the event keeps the account it is from."""
        message = carry(event)
        message.slot = slot
        self.post_message(message)

    def in_slot(self, slot: Slot, function: Callable[..., T], *args: Any) -> T | None:
        """`function` run as if `slot` were the account on screen (None if it is gone)."""
        if slot not in self.slots:
            return None
        previous, self._slot = self._slot, slot
        try:
            return function(*args)
        finally:
            self._slot = previous

    def _bind(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """`function`, called later (a prompt's answer, after a frame), for the account
        handled now rather than the one on screen by then."""
        slot = self._slot
        return lambda *args: self.in_slot(slot, function, *args)

    async def _on_message(self, message: Message) -> None:
        """An account's event is handled with that account as `self.account`."""
        slot = message.slot if isinstance(message, AccountEvent) else None
        if not isinstance(slot, Slot) or slot is self._slot:
            await super()._on_message(message)
            return
        if slot not in self.slots:
            return  # an account closed since: what it says is for no one
        previous, self._slot = self._slot, slot
        try:
            await super()._on_message(message)
        finally:
            self._slot = previous
        if isinstance(message, AccountEvent) and isinstance(message.event, PANE_EVENTS):
            self._refresh_pane()

    def _refresh_pane(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, MailboxScreen) and screen.is_mounted:
                screen.refresh_folders()

    @contextmanager
    def _for_cache(self, cache: Cache | None) -> Iterator[None]:
        """The account whose store `cache` is (a compose screen's « De »)."""
        slot = self._slot
        if cache is not None:
            path = cache.durable_path
            slot = next((s for s in self.slots if s.account.cache.durable_path == path), slot)
        previous, self._slot = self._slot, slot
        try:
            yield
        finally:
            self._slot = previous

    def _each_account(self, function: Callable[[], object]) -> None:
        for slot in list(self.slots):
            self.in_slot(slot, function)

    # --- AccountChoices, for the mailbox (tui/several.py) ---------------------------

    def rows(self) -> list[AccountRow]:
        return [
            AccountRow(
                index=slot.index,
                label=slot.label,
                unread=slot.unread(),
                state="" if slot.account.online else slot.link_base,
                shown=slot is self._shown,
            )
            for slot in self.slots
        ]

    def senders(self, account: Account) -> list[Sender]:
        from tui.core.mail.compose import Identity
        from tui.several import Sender

        slots = sorted(self.slots, key=lambda s: s.account is not account)
        return [
            Sender(s.label, Identity.from_account(s.config.account), s.account.cache) for s in slots
        ]

    def show_account(self, index: int) -> None:
        """That account's mailbox in the place of the one shown."""
        if not 0 <= index < len(self.slots) or self.slots[index] is self._shown:
            return
        if not isinstance(self.screen, MailboxScreen):
            return
        slot = self.slots[index]
        self._shown = self._slot = slot
        self.sub_title = slot.label
        mailbox = self.new_mailbox()
        self.switch_screen(mailbox)
        mailbox.call_later(self._show_link)
        self.notify(_("Compte « {label} ».").format(label=slot.label), timeout=3)

    def action_add_account(self) -> None:
        """The setup screen in add mode: it writes a new [[accounts]] entry, then every
        account is opened again with the new one on screen."""
        from tui.config import load_config
        from tui.screens.setup import SetupScreen

        assert self.session is not None

        def done(saved: bool | None) -> None:
            if saved:
                self._switch_account(load_config(self.config.path), show=len(self.slots))

        self.push_screen(SetupScreen(self.config.path, trust=self.session.trust, adding=True), done)

    def new_mailbox(self) -> MailboxScreen:
        return MailboxScreen(self._shown.account, self if self.several else None)

    if TYPE_CHECKING:

        def _show_link(self) -> None: ...
        def _switch_account(self, config: Config, show: int = 0) -> None: ...
