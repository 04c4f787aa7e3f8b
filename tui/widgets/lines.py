"""A scrolling widget that draws its own lines and resends only what changed.

Over SSH every byte counts (#21). Two habits of Textual's ScrollView cost whole-pane
repaints that nothing on screen needed; both are corrected here for the message list
and the reader.
"""

from __future__ import annotations

from typing import Any, Self

from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.widget import Widget


class SteadyScrollBar(ScrollBar):
    """A scrollbar that is not resent when nothing it draws has changed.

    Textual restyles a widget when it gains or loses focus and, in doing so, sets every
    style rule again; setting a scrollbar colour, even to the same value, repaints the
    scrollbar. Back from a message the list's scrollbar went out twice (#21: ~730 B at
    80x24), once for the restyle asked while the list was hidden and the bar had no
    size, which the layout pass showing it had already drawn. What the bar draws is its
    geometry, its state and its parent's colours."""

    _drawn: tuple[object, ...] | None = None

    def _looks(self) -> tuple[object, ...]:
        parent = self.parent
        colours: tuple[object, ...] = ()
        if isinstance(parent, Widget):
            styles = parent.styles
            colours = (
                styles.scrollbar_background,
                styles.scrollbar_background_hover,
                styles.scrollbar_background_active,
                styles.scrollbar_color,
                styles.scrollbar_color_hover,
                styles.scrollbar_color_active,
                parent.background_colors,
            )
        return (
            self.size,
            self.window_virtual_size,
            self.window_size,
            self.position,
            bool(self.grabbed),
            self.mouse_over,
            colours,
        )

    def render(self) -> Any:
        self._drawn = self._looks()
        return super().render()

    def refresh(
        self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False
    ) -> Self:
        if not (regions or layout or recompose) and (
            not self.size.area or self._drawn == self._looks()
        ):
            return self  # unchanged, or unsized: the layout pass that sizes it draws it
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)


class LinesView(ScrollView):
    _scrollbars_for = Size(-1, -1)  # the scroll range the scrollbars were last set for

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Widget's own, made a SteadyScrollBar."""
        if self._vertical_scrollbar is None:
            bar = SteadyScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Textual passes the layout's virtual size (the pane's own size), never the one
        a Line API widget sets itself: the two always differed, so every layout pass (a
        key appearing in the footer, another pane shown) resent the whole scrollbar,
        ~850 B at 80x24. The scrollbars follow a real change of size or of the range the
        widget set (a folder of 3 messages after one of 5,000), nothing else."""
        resized = super()._size_updated(size, self.virtual_size, container_size, layout)
        scroll_range = self._scroll_range()
        if scroll_range != self._scrollbars_for:
            self._scrollbars_for = scroll_range
            self._scrollbar_changes.clear()
            self._scroll_update(self.virtual_size)
        return resized

    def _scroll_range(self) -> Size:
        """What the scrollbars show: the width counts only where it scrolls (the list
        sets its width again when shown, and the vertical scrollbar went out twice)."""
        width = 0 if self.styles.overflow_x == "hidden" else self.virtual_size.width
        return Size(width, self.virtual_size.height)
