"""What the terminal shows when courriel dies: a short French text, never a traceback.

Textual's own crash screen is a Rich traceback with every frame's local variables —
message fields and, near the login, secrets (PITFALLS.md). This mixin of the App logs
the traceback (without locals, tui/core/logs.py) and prints where it is instead. It
overrides three of Textual's private methods (8.2, pinned to the minor version).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

from tui.core import logs


class CrashScreen:
    """Mixed into the App before textual.app.App."""

    _crash_log: Any
    _crash_text: str | None
    error_console: Console  # textual.app.App's

    def _handle_exception(self, error: Exception) -> None:
        """A crash: the traceback to the log file, a short message on the terminal."""
        self._crash_log = logs.record(error, "crash")
        super()._handle_exception(error)  # type: ignore[misc]

    def _fatal_error(self) -> None:
        # Textual's own prints a traceback with every frame's locals (PITFALLS.md).
        path = getattr(self, "_crash_log", None) or logs.current_path()
        self.bell()  # type: ignore[attr-defined]
        self._crash_text = logs.crash_text(path)
        self._close_messages_no_wait()  # type: ignore[attr-defined]

    def _print_error_renderables(self) -> None:
        crash = getattr(self, "_crash_text", None)
        if crash is None:
            super()._print_error_renderables()  # type: ignore[misc]
            return
        # soft_wrap: the terminal folds long lines itself, so a path is never cut up
        # with line breaks, and a copied path still works.
        self.error_console.print(crash, soft_wrap=True, markup=False, highlight=False)
