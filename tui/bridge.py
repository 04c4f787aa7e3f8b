"""Account events onto the UI thread, each as its own Textual Message.

The account's worker reports on its own thread with the Events of tui/core/account/contract.py.
`carry` wraps one in the Message made for its class, which `App.post_message` hands to
the UI thread safely; a handler subscribes to exactly what it handles with
`@on(message_type(contract.Connected))`, and nothing is written to a widget from the
worker's thread. The Messages are made here from the contract, never declared twice.
"""

from __future__ import annotations

import types
from typing import Any, Generic, TypeVar

from textual.message import Message

from tui.core.account import contract

E = TypeVar("E", bound=contract.Event)


class AccountEvent(Message, Generic[E]):
    """An account Event, carried onto the UI thread."""

    def __init__(self, event: E) -> None:
        super().__init__()
        self.event = event
        # Which account sent it, when there are several (tui/app_accounts.py).
        self.slot: object | None = None


def _message_class(event_type: type[contract.Event]) -> type[AccountEvent[Any]]:
    # « on_account_connected »…: the namespace keeps the handler names apart from the
    # app's own (Textual derives them from the class name).
    return types.new_class(event_type.__name__, (AccountEvent,), {"namespace": "account"})


# Made once, at import: a class made later, on the worker's thread, could differ from
# the one a handler subscribed to.
_MESSAGES: dict[type[contract.Event], type[AccountEvent[Any]]] = {
    event_type: _message_class(event_type) for event_type in contract.Event.__subclasses__()
}


def message_type(event_type: type[E]) -> type[AccountEvent[E]]:
    """The Message class that carries `event_type` (for `@on`)."""
    return _MESSAGES[event_type]


def carry(event: E) -> AccountEvent[E]:
    """`event` wrapped for `post_message` (a subclass of an Event travels as it)."""
    for event_type in type(event).__mro__:
        if event_type in _MESSAGES:
            return _MESSAGES[event_type](event)
    raise TypeError(f"not an account event: {type(event).__name__}")
