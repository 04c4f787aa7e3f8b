"""Several accounts as the screens see them (#20): what the folder pane lists and
what the compose screen's « De » offers. The app implements `AccountChoices`; a
screen never reaches another account's worker, only these."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tui.account import Account
    from tui.core.mail.compose import Identity
    from tui.core.store.cache import Cache
    from tui.widgets.folder_list import AccountRow


@dataclass(frozen=True, eq=False)
class Sender:
    """An account a message can go from: its label, its From and its outbox's store."""

    label: str
    identity: Identity
    cache: Cache


class AccountChoices(Protocol):
    """The accounts beside the one a mailbox shows."""

    def rows(self) -> list[AccountRow]:
        """Every account for the folder pane, in the config's order."""
        ...

    def senders(self, account: Account) -> list[Sender]:
        """Every account a message may go from, `account`'s first."""
        ...

    def show_account(self, index: int) -> None:
        """Put that account's mailbox on screen."""
        ...
