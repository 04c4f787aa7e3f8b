"""A scrolling widget that draws its own lines and resends only what changed.

Over SSH every byte counts (#21). Two habits of Textual's ScrollView cost whole-pane
repaints that nothing on screen needed; both are corrected here for the message list
and the reader.
"""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView


class LinesView(ScrollView):
    _scrollbars_for = Size(-1, -1)  # the scroll range the scrollbars were last set for

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        """Textual passes the layout's virtual size (the pane's own size), never the one
        a Line API widget sets itself: the two always differed, so every layout pass (a
        key appearing in the footer, another pane shown) resent the whole scrollbar,
        ~850 B at 80x24. The scrollbars follow a real change of size or of the range the
        widget set (a folder of 3 messages after one of 5,000), nothing else."""
        resized = super()._size_updated(size, self.virtual_size, container_size, layout)
        if self.virtual_size != self._scrollbars_for:
            self._scrollbars_for = self.virtual_size
            self._scrollbar_changes.clear()
            self._scroll_update(self.virtual_size)
        return resized

    def _on_show(self, event: events.Show) -> None:
        """The layout pass that showed this pane has just drawn all of it. What the pane
        was asked to repaint while hidden, Textual keeps and replays at its next update:
        the first `j` after reading a message resent the whole list (2.7 KB, not 0.2)."""
        super()._on_show(event)
        self._repaint_regions.clear()
