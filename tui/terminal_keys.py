"""What the terminal itself offers, said in the user's language: a screenshot, a copy to
its clipboard (ctrl+c on a selection), and how to quit (ctrl+c without one).

A part of CourrielApp; Textual's own versions speak English or nothing.
"""

from __future__ import annotations

from platformdirs import user_pictures_path
from textual.app import App
from textual.binding import Binding

from tui.config import data_dir
from tui.core.i18n import _, ngettext
from tui.core.mail.formatting import figure


class TerminalKeys(App[None]):
    """A part of CourrielApp (see the module's docstring)."""

    def _save_screenshot(self) -> None:
        """Into the user's Pictures folder, or courriel's data folder on a server without
        one (never loose in $HOME), announced in the user's language (Textual's notice
        is English, with markup our notify() would show as is)."""
        folder = user_pictures_path()
        try:
            if not folder.is_dir():  # a server without a desktop: no Pictures folder
                folder = data_dir() / "captures"
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = self.save_screenshot(path=str(folder))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.notify(
                _("Capture d'écran impossible : {reason}").format(reason=reason),
                severity="error",
            )
            return
        self.notify(_("Capture d'écran enregistrée : {path}").format(path=path))

    def copy_to_clipboard(self, text: str) -> None:
        """ctrl+c on text selected with the mouse (or in a field): the copy goes to the
        terminal's clipboard by OSC 52, which works over SSH where the terminal allows
        it; the toast says so, since nothing else on screen would. A selection of
        nothing (a drag over blank lines) is ctrl+c without one: how to quit."""
        if not text.strip():
            self.action_help_quit()
            return
        super().copy_to_clipboard(text)
        self.notify(
            ngettext(
                "{n} caractère copié vers le presse-papiers du terminal. S'il le refuse : "
                "Maj + glisser avec la souris.",
                "{n} caractères copiés vers le presse-papiers du terminal. S'il le refuse : "
                "Maj + glisser avec la souris.",
                len(text),
            ).format(n=figure(len(text)))
        )

    def action_help_quit(self) -> None:
        """ctrl+c no longer quits in Textual; it says how, in the user's language, with
        the key the footer shows (q) rather than Textual's hidden ctrl+q."""
        keys = [
            (not active.binding.show, key)
            for key, active in self.active_bindings.items()
            if active.binding.action in ("quit", "app.quit") and active.enabled
        ]
        if keys:
            key = self.get_key_display(Binding(min(keys)[1], ""))
            self.notify(_("Pour quitter, appuyez sur {key}.").format(key=key))
