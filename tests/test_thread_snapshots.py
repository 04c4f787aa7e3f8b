"""Snapshots of the threaded inbox at 80x24 and 120x40, from the fixed-clock demo: the
reply sits under the message that started its thread, marked with `└`."""

from __future__ import annotations

import pytest

from tests.app_helpers import demo_app

SIZES = [(80, 24), (120, 40)]


async def _threaded_on_the_reply(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("t", "down", "down", "down", "down")
    await pilot.pause(0.3)  # the three-pane preview waits for the cursor to rest


@pytest.mark.parametrize("size", SIZES)
def test_threaded_inbox(
    snap_compare, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    with demo_app(monkeypatch) as app:
        assert snap_compare(app, terminal_size=size, run_before=_threaded_on_the_reply)
