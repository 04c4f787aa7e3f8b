"""How the user chose to see each folder (its sort order), kept in the data directory
beside the account's own store: a rebuilt cache does not forget it (#19).

A small JSON file, read once and written whole (through a temporary file, so a crash
leaves the old one or the new one); one that cannot be read is ignored, never fatal.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tui.core.sorting import SORT_KEYS, Sort
from tui.core.userfiles import MiB, UserFileError, read_limited


def views_path(store: Path) -> Path:
    """`store` is the account's durable store (Cache.durable_path)."""
    return store.with_name(store.stem + ".views.json")


def load_sorts(path: Path) -> dict[str, Sort]:
    try:
        data = json.loads(read_limited(path, MiB))
    except (OSError, UserFileError, ValueError):
        return {}
    sorts = data.get("sorts") if isinstance(data, dict) else None
    if not isinstance(sorts, dict):
        return {}
    found: dict[str, Sort] = {}
    for folder, value in sorts.items():
        if isinstance(value, dict) and value.get("key") in SORT_KEYS:
            found[str(folder)] = Sort(value["key"], value.get("reverse") is True)
    return found


def save_sorts(path: Path, sorts: dict[str, Sort]) -> None:
    """Write the non-default sorts; an error is the caller's to tell (OSError)."""
    data = {
        "sorts": {
            folder: {"key": sort.key, "reverse": sort.reverse}
            for folder, sort in sorts.items()
            if not sort.is_default
        }
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=1)
    os.replace(temporary, path)
