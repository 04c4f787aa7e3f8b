"""`courriel --demo`: the real app on a sample mailbox, offline, in a throwaway folder.

The config and cache live in a temporary directory, so the demo never reads or writes
the user's own settings, cache or keyring, and never opens a network connection.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from tui.config import Config, defaults
from tui.core.mail.mime import parse_message
from tui.core.mail.summary import Summary
from tui.core.store.cache import Cache
from tui.core.store.records import FolderRow
from tui.demo_mail import DEMO_FOLDERS, ME, demo_messages


def demo_config(root: Path) -> Config:
    config = Config(path=root / "config.toml", values=defaults())
    config.account.update(
        username="marie.durand", display_name=ME[0], email=ME[1], imap_host="demo.invalid"
    )
    return config


def seed_messages(
    cache: Cache,
    folders: list[FolderRow],
    items: list[tuple[str, bytes, frozenset[str]]],
) -> None:
    """Fill a cache as a first sync would: folders, then (folder, raw, flags), oldest first."""
    cache.set_folders(folders)
    next_uid: dict[str, int] = {}
    for folder, raw, flags in items:
        uid = next_uid.get(folder, 1)
        next_uid[folder] = uid + 1
        parsed = parse_message(raw)
        name, address = parsed.from_[0] if parsed.from_ else ("", "")
        summary = Summary(
            folder=folder,
            uid=uid,
            date=parsed.date,
            sender_name=name,
            sender_address=address,
            to=", ".join(a for _n, a in parsed.to),
            subject=parsed.subject,
            size=len(raw),
            flags=flags,
            has_attachment=bool(parsed.attachments),
            message_id=parsed.message_id,
            in_reply_to=parsed.in_reply_to,
            references=" ".join(parsed.references),
        )
        cache.put_summaries([summary])
        cache.put_body(folder, uid, raw)
    for row in folders:
        cache.set_counts(row.name)


def seed(cache: Cache) -> None:
    """The demo mailbox."""
    folders = [FolderRow(name, "/", use, 0, 0, ()) for name, use in DEMO_FOLDERS]
    items = [(m.folder, m.raw, m.flags) for m in reversed(demo_messages())]
    seed_messages(cache, folders, items)
    cache.set_quota((23_800, 102_400))


def open_demo() -> tuple[Config, Cache, tempfile.TemporaryDirectory[str]]:
    """A seeded cache in a temporary folder; keep the returned directory alive while used."""
    folder = tempfile.TemporaryDirectory(prefix="courriel-demo-")
    root = Path(folder.name)
    cache = Cache.open(root / "cache.sqlite3")
    seed(cache)
    return demo_config(root), cache, folder
