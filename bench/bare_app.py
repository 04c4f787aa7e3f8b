"""The baseline: a bare Textual app showing one line of text, launched like courriel.

python -m bench.bare_app "text to show"
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Label


class Bare(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(self.text, markup=False)
        yield Footer()


if __name__ == "__main__":
    Bare(sys.argv[1] if len(sys.argv) > 1 else "Bonjour").run()
