"""The command palette's system commands (ctrl+p), found with or without accents.

The titles are French by default (CourrielApp.get_system_commands): Textual's matcher
compares characters exactly, so « theme » would not find « Thème ». Here the query and
the titles are compared without their accents, and the title is shown as written.
"""

from __future__ import annotations

import unicodedata

from textual.command import Hit, Hits
from textual.content import Content
from textual.system_commands import SystemCommandsProvider


def fold(text: str) -> str:
    """Each character without its accent, so the length stays the same: « Thème » →
    « Theme », « écran » → « ecran »."""
    return "".join(unicodedata.normalize("NFD", char)[0] for char in text)


class SystemCommands(SystemCommandsProvider):
    async def search(self, query: str) -> Hits:
        matcher = self.matcher(fold(query))
        for title, help_text, callback, *_rest in self.app.get_system_commands(self.screen):
            folded = fold(title)
            if (score := matcher.match(folded)) > 0:
                # The highlight found on the folded title, laid on the real one.
                shown = Content(title, spans=list(matcher.highlight(folded).spans))
                yield Hit(score, shown, callback, help=help_text)
