"""The reader pane: header block, warnings, body and attachment list.

Everything shown here comes from a message and is hostile: it arrives sanitised from
tui.core.mail.mime and is handed to widgets as `Content`, never as markup.

One widget drawing its own lines (Textual's Line API, like the message list) rather
than five Statics in a scrolling container (#21): over SSH, opening a message at 80x24
wrote the reader three times, ~18 KB. The Statics were laid out again as soon as the
pane was shown (their width went from 0 to the pane's) and each row went out in three
pieces (padding, text, padding). Here a message is wrapped once for the pane's width,
and a row is one piece.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.binding import Binding
from textual.cache import LRUCache
from textual.content import Content
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style

from tui.core.i18n import _
from tui.widgets.lines import LinesView


@dataclass(frozen=True)
class ReaderView:
    """What the pane shows, already sanitised; built from a parsed message."""

    headers: list[tuple[str, str]]
    body: str
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    # One block of lines per invitation (CalendarEvent.lines(): title, Quand, Où, …).
    invitations: list[list[str]] = field(default_factory=list)


# A block of the pane: its text, the component class that colours it (or ""), and
# whether a blank line comes before it.
# The rule under the headers is the block of class "reader--rule"; its text is unused.
_Block = tuple[Content, str, bool]
_RULE = "reader--rule"
_Line = tuple[Content, str]  # a wrapped line and the component class that colours it
STRIPS_KEPT = 500  # lines kept as drawn: a few screens' worth, for scrolling back
MARGIN = 1  # columns left blank each side of the text


class Reader(LinesView, can_focus=True):
    COMPONENT_CLASSES = {"reader--rule", "reader--warning", "reader--extra"}

    DEFAULT_CSS = """
    Reader {
        background: $surface;
        overflow-x: hidden;
    }
    Reader > .reader--rule {
        color: $primary-muted;
    }
    Reader > .reader--warning {
        background: $error-muted;
        color: $text;
    }
    Reader > .reader--extra {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("j", "scroll_down", show=False),
        Binding("k", "scroll_up", show=False),
        Binding("space", "page_down", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[_Line] = []  # the wrapped text, and its component class
        self._width = 0  # the width the lines were wrapped for, margins included
        self._strips: LRUCache[int, Strip] = LRUCache(STRIPS_KEPT)  # lines as drawn
        self._wrapped_for: Size | None = None  # the room wrapped for; None: wrap again
        self._blocks = _blocks(ReaderView(headers=[], body=_("Aucun message sélectionné.")))

    # --- what is shown --------------------------------------------------------------

    def show_view(self, view: ReaderView) -> None:
        self._forget_selection()  # it was made on the text shown before
        self._blocks = _blocks(view)
        self._wrapped_for = None
        if self.is_mounted:
            self.scroll_to(0, 0, animate=False, immediate=True)
            self._wrap()
            self.refresh()

    def show_placeholder(self, text: str) -> None:
        self.show_view(ReaderView(headers=[], body=text))

    # --- selecting with the mouse (copied by ctrl+c, Textual's Screen binding) -------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The text under a mouse selection, as shown (wrapped), without the margins:
        the offsets drawn count the left margin (`_strip`), the text copied does not."""
        margin = _margin(self._width)
        picked: list[str] = []
        for index, (text, component) in enumerate(self._lines):
            span = selection.get_span(index)
            if span is None:
                continue
            line = "" if component == _RULE else text.plain
            start, end = span
            stop = len(line) if end == -1 else max(0, end - margin)
            picked.append(line[max(0, start - margin) : stop])
        copied = "\n".join(picked)
        # A drag over blank lines selects nothing: ctrl+c then says how to quit, as
        # without a selection, rather than « 0 caractère copié ».
        return (copied, "\n") if copied.strip() else None

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()

    def _forget_selection(self) -> None:
        """Drop this pane's selection: another message, or the same one wrapped again,
        must not show (or let ctrl+c copy) text at the old coordinates."""
        if self.is_mounted and self in self.screen.selections:
            self.screen.selections = {
                widget: selection
                for widget, selection in self.screen.selections.items()
                if widget is not self
            }

    @property
    def text(self) -> str:
        """Everything the pane shows, unwrapped, as plain text (tests, the hostile
        data checks)."""
        return "\n".join(text.plain for text, kind, _gap in self._blocks if kind != _RULE)

    # --- drawing --------------------------------------------------------------------

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Textual's layout pass gives the pane its size: wrap for it here, before the
        frame is drawn. Wrapping at the first `render_line` changed the scroll range
        mid-frame, and the new range asked for a second layout and a second frame; a
        pane shown by Enter (0 columns wide while hidden) cost two frames (#21)."""
        resized = super()._size_updated(size, virtual_size, container_size, layout)
        if self.container_size != self._wrapped_for:
            self._wrap(quiet=True)
            self._scroll_update(self.virtual_size)
        return resized

    def notify_style_update(self) -> None:
        """A theme change recolours the lines: the wrapped text stays (a 1 MB body
        took seconds to wrap, and Textual calls this on every focus change too); only
        the lines as drawn go. Their colours are read again when drawn, after the
        component classes have their new styles (they get them after this call)."""
        super().notify_style_update()
        self._strips.clear()  # Textual repaints a restyled widget itself

    def _wrap(self, *, quiet: bool = False) -> None:
        """Wrap every block for the pane's room, once; the scroll range follows. A
        message taller than the pane is wrapped beside the scrollbar it will get, so
        the text never runs under it. `quiet`: during a layout pass, which sizes the
        scrollbars itself."""
        room = self._wrapped_for = self.container_size
        self._forget_selection()  # its offsets were those of the old wrapping
        bar = self.styles.scrollbar_size_vertical
        beside_bar = room.width > bar and self._rows_at_least() > room.height
        width = room.width - bar if beside_bar else room.width
        lines = self._wrapped(width)
        if not beside_bar and len(lines) > room.height and room.width > bar:
            width = room.width - bar  # taller once wrapped: a short text, cheap again
            lines = self._wrapped(width)
        self._lines = lines
        self._width = width if lines else 0
        self._strips.clear()
        size = Size(self._width, len(lines))
        if quiet:
            self.set_reactive(Reader.virtual_size, size)
        else:
            self.virtual_size = size

    def _rows_at_least(self) -> int:
        """The lines the blocks take before any wrapping: a body that is taller than
        the pane anyway is wrapped once, beside its scrollbar."""
        return sum(text.plain.count("\n") + 1 + gap for text, _kind, gap in self._blocks)

    def _wrapped(self, width: int) -> list[_Line]:
        """The blocks as lines of text for `width` cells, without their styles: a line
        becomes a Strip only when drawn (half the time of a 1 MB body went on Strips
        for lines nobody scrolled to)."""
        inner = width - 2 * _margin(width)
        if inner <= 0:
            return []
        lines: list[_Line] = []
        for text, component, gap in self._blocks:
            if gap and lines:
                lines.append((Content(""), ""))
            if component == _RULE:
                lines.append((Content("─" * inner), component))
            elif not text.plain:
                lines.append((text, component))
            else:
                lines.extend((line, component) for line in text.expand_tabs().wrap(inner))
        return lines

    def _strip(self, index: int) -> Strip:
        """Line `index` as drawn: one column of margin each side, drawn here rather than
        as CSS padding, so that a line of plain text is one segment (Textual draws
        padding as segments of its own, each with its own colour codes: ~50 B a line
        over SSH)."""
        strip = self._strips.get(index)
        if strip is None:
            text, component = self._lines[index]
            base = self.get_visual_style()
            style = self.get_visual_style(component) if component else base
            margin = Strip.blank(_margin(self._width), base.rich_style)
            inner = self._width - 2 * margin.cell_length
            row = (
                Strip(self._selected(text, index, margin.cell_length).render_segments(style))
                .extend_cell_length(inner, style.rich_style)
                .crop(0, inner)
            )
            # Offsets tell Textual which character the mouse is on (selection); they
            # count the margin, as get_selection does.
            joined = Strip.join([margin, row, margin]).simplify()
            strip = self._strips[index] = joined.apply_offsets(0, index)
        return strip

    def _selected(self, text: Content, index: int, margin: int) -> Content:
        """The line with the part the mouse selected in the screen's selection colours."""
        selection = self.text_selection
        span = selection.get_span(index) if selection is not None else None
        if span is None:
            return text
        start, end = span
        stop = len(text.plain) if end == -1 else max(0, end - margin)
        colours = self.screen.get_component_rich_style("screen--selection")
        return text.stylize(Style.from_rich_style(colours), max(0, start - margin), stop)

    def render_line(self, y: int) -> Strip:
        if self.container_size != self._wrapped_for:
            self._wrap()
        index = self.scroll_offset.y + y
        if 0 <= index < len(self._lines):
            return self._strip(index)
        return Strip.blank(self.scrollable_content_region.width, self.rich_style)


def _margin(width: int) -> int:
    """The blank columns each side of the text; none when there is no room for them."""
    return MARGIN if width > 2 * MARGIN else 0


def _blocks(view: ReaderView) -> list[_Block]:
    """The view as blocks, in the order the pane shows them."""
    width = max((len(label) for label, _value in view.headers), default=0)
    blocks: list[_Block] = []
    for label, value in view.headers:
        label_text = Content(f"{label:<{width}} ").stylize("bold")
        blocks.append((label_text + Content(value), "", False))
    if view.headers:
        blocks.append((Content(""), _RULE, True))
    blocks.extend((Content("⚠ " + warning), "reader--warning", False) for warning in view.warnings)
    for lines in view.invitations:
        for n, line in enumerate(lines):
            text = Content(line).stylize("bold") if n == 0 else Content(line)
            blocks.append((text, "", n == 0))
    blocks.append((Content(view.body), "", bool(view.headers or view.warnings)))
    extra: list[Content] = [Content(note) for note in view.notes]
    if view.links:
        extra.append(Content(_("Liens :")).stylize("bold"))
        extra.extend(Content(link) for link in view.links)
    if view.attachments:
        extra.append(Content(_("Pièces jointes :")).stylize("bold"))
        extra.extend(Content(item) for item in view.attachments)
    blocks.extend((text, "reader--extra", n == 0) for n, text in enumerate(extra))
    return blocks
