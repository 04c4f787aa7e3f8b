"""Where a failure stops: one event, one row or one body, never the whole app.

An exception escaping a Textual handler ends the app (and its crash screen prints
every frame's locals). The handlers that take data from a server or a message are
wrapped in `contained`: the error goes to the log with its traceback, the user gets
one plain notice, and everything else keeps working (issue #14).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from tui.core import logs
from tui.core.i18n import _

P = ParamSpec("P")
R = TypeVar("R")

_NOTICE_EVERY = 30.0  # seconds: a failing row redrawn at every frame is one notice
_last_notice = -_NOTICE_EVERY


class _HasApp(Protocol):
    @property
    def app(self) -> Any: ...


def report(owner: _HasApp | None, error: BaseException, where: str) -> None:
    """Log the error and, at most every 30 s, tell the user in one plain sentence."""
    global _last_notice
    path = logs.record(error, where)
    now = time.monotonic()
    if owner is None or now - _last_notice < _NOTICE_EVERY:
        return
    _last_notice = now
    try:
        owner.app.notify(
            _(
                "Une erreur interne a été évitée ; courriel continue. "
                "Les détails sont dans le journal : {path}"
            ).format(path=path),
            severity="warning",
            markup=False,
        )
    except Exception as notice_error:  # no app, or it is closing: the log has it
        logs.record(notice_error, "notice")


S = TypeVar("S", bound=_HasApp)


def contained(
    handler: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R | None]:
    """Wrap a method so that an exception in it is reported, not fatal (returns None)."""

    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return handler(self, *args, **kwargs)
        except Exception as error:
            report(self, error, handler.__qualname__)
            return None

    functools.update_wrapper(wrapper, handler)
    return wrapper


def while_shown(
    tick: Callable[Concatenate[S, P], R],
) -> Callable[Concatenate[S, P], R | None]:
    """For a screen's timer callbacks: do nothing once the screen has left the stack or
    the app is quitting. Textual removes a screen's widgets before it stops the
    screen's timers, and a tick in between found no widget (NoMatches, CI stop 27)."""

    def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
        app = self.app
        if not app.is_running or self not in app.screen_stack:
            return None
        return tick(self, *args, **kwargs)

    functools.update_wrapper(wrapper, tick)
    return wrapper
