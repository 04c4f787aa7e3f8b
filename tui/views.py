"""What the user chose about how the account works, kept in the data directory beside
its own store, so that a rebuilt cache does not forget it: each folder's sort order,
and whether the sorting rules run on the server (#19).

A small JSON file, read whole and written whole (userfiles.write_private); one that
cannot be read is ignored, never fatal.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tui.core.store.sorting import SORT_KEYS, Sort
from tui.core.userfiles import MiB, UserFileError, read_limited, write_private


def views_path(store: Path) -> Path:
    """`store` is the account's durable store (Cache.durable_path)."""
    return store.with_name(store.stem + ".views.json")


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_limited(path, MiB))
    except (OSError, UserFileError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, data: dict[str, Any]) -> None:
    """An error is the caller's to tell (OSError)."""
    write_private(path, json.dumps(data, ensure_ascii=False, indent=1))


def load_sorts(path: Path) -> dict[str, Sort]:
    sorts = _load(path).get("sorts")
    if not isinstance(sorts, dict):
        return {}
    found: dict[str, Sort] = {}
    for folder, value in sorts.items():
        if isinstance(value, dict) and value.get("key") in SORT_KEYS:
            found[str(folder)] = Sort(value["key"], value.get("reverse") is True)
    return found


def save_sorts(path: Path, sorts: dict[str, Sort]) -> None:
    """Write the non-default sorts, keeping the rest of the file."""
    data = _load(path)
    data["sorts"] = {
        folder: {"key": sort.key, "reverse": sort.reverse}
        for folder, sort in sorts.items()
        if not sort.is_default
    }
    _save(path, data)


def rules_on_server(path: Path) -> dict[str, str] | None:
    """{"fingerprint", "since"} when the rules were put on the server, else None."""
    value = _load(path).get("rules_on_server")
    if isinstance(value, dict) and isinstance(value.get("fingerprint"), str):
        return {"fingerprint": value["fingerprint"], "since": str(value.get("since", ""))}
    return None


def set_rules_on_server(path: Path, fingerprint: str | None) -> None:
    data = _load(path)
    if fingerprint is None:
        data.pop("rules_on_server", None)
    else:
        since = datetime.now().astimezone().isoformat(timespec="minutes")
        data["rules_on_server"] = {"fingerprint": fingerprint, "since": since}
    _save(path, data)
