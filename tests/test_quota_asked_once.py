"""A server that offers QUOTA but sets no limit (Cyrus: `* QUOTA INBOX ()`) was asked
GETQUOTAROOT on every sync: « no limit » was stored as « never asked ». Found by the
per-server bench (bench/servers.py, #16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tui.core.account.sync import SyncEngine
from tui.core.store.cache import Cache


class NoLimitServer:
    """The part of ImapConnection that sync_folders uses, on a server without a limit."""

    selected: str | None = None

    def __init__(self) -> None:
        self.quota_asked = 0

    def list_folders_with_status(self) -> tuple[list[Any], dict[str, Any]]:
        return [], {}

    def has(self, capability: str) -> bool:
        return capability == "QUOTA"

    def quota(self) -> tuple[int, int] | None:
        self.quota_asked += 1
        return None


def test_no_limit_is_asked_once_a_session_not_at_every_sync(tmp_path: Path) -> None:
    server = NoLimitServer()
    engine = SyncEngine(server, Cache.open(tmp_path / "c.sqlite"))  # type: ignore[arg-type]
    for _sync in range(3):
        engine.sync_folders()
    assert server.quota_asked == 1
    engine.refresh_quota()  # after a sync that saw mail come or go: asked again
    assert server.quota_asked == 2
