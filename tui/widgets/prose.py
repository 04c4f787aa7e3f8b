"""French sentences wrapped the French way: « and » never alone at a line's edge.

Textual breaks lines at any whitespace, the no-break space included, so
« sans « @ac-dijon.fr » : … » could end a line on « and start the next on ».
`Prose` chooses the line breaks itself, only at ordinary spaces, after gluing the
spaces French typography keeps (inside guillemets, before : ; ? !). It hands Textual
lines that already fit, so Textual has nothing left to break. Styles and spans of the
`Content` are kept; nothing here reads markup.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

NO_BREAK_SPACE = "\u00a0"
# The spaces that must not become a line break: after «, before » : ; ? !
_GLUED = re.compile(r"(?<=«) | (?=[»:;?!])")
_WORD = re.compile(r"[^ ]+ *| +")


def glue(text: str) -> str:
    """The text with French typography's unbreakable spaces made no-break spaces."""
    return _GLUED.sub(NO_BREAK_SPACE, text)


def line_starts(text: str, width: int) -> list[int]:
    """Offsets where a new line starts, breaking only at ordinary spaces (greedy).

    A word longer than the width is left whole: Textual folds it when it renders.
    """
    starts: list[int] = []
    used = 0
    for match in _WORD.finditer(text):
        word = match.group().rstrip(" ")
        if used and word and used + cell_len(word) > width:
            starts.append(match.start())
            used = 0
        used += cell_len(match.group())
    return starts


class Prose(Visual):
    """A `Content` whose lines break between words, never inside « … » or before :."""

    def __init__(self, content: Content | str) -> None:
        content = Content(content) if isinstance(content, str) else content
        self.text = content.plain  # as written, for str() and tests
        self.content = Content(glue(content.plain), spans=list(content.spans))

    def __str__(self) -> str:
        return self.text

    def broken(self, width: int) -> Content:
        """The content with hard line breaks chosen for this width."""
        lines: list[Content] = []
        for line in self.content.split(allow_blank=True):
            starts = line_starts(line.plain, max(width, 1))
            pieces = line.divide(starts) if starts else [line]
            lines.extend(piece.rstrip() for piece in pieces[:-1])
            lines.append(pieces[-1])
        return Content("\n").join(lines)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self.broken(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        return self.broken(width).get_height(rules, width)
