"""One courriel at a time does an account's IMAP side of the user's actions.

The app in one SSH session and `courriel sync` from cron (or a second session) share
one user's store. Each used to read the same pending operations and Sent copies owed
and send them all: a flag added then removed could end added, a Sent copy be filed
twice. Replaying actions and filing Sent copies now happen under an advisory lock on a
file beside the user's store; a process that finds it taken leaves the work to the one
holding it and looks again later. (The outbox has claims of its own:
tui/core/store/claims.py.)

`flock` locks belong to an open file, so two workers of one process conflict too, and
the kernel drops the lock of a process that dies: no stale lock to clean up.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from tui.core.store.base import StoreBase


def lock_path(store: StoreBase) -> Path:
    return store.durable_path.with_name(store.durable_path.name + ".replay-lock")


@contextlib.contextmanager
def held(store: StoreBase, wait: float = 0.0) -> Iterator[bool]:
    """Take the account's lock, waiting at most `wait` seconds (a replay pass is short);
    yields False when another process still holds it.

    A lock file that cannot be opened (a read-only data directory) does not stop the
    work: writing the store would fail first and say why."""
    try:
        fd = os.open(lock_path(store), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        yield True
        return
    try:
        yield _take(fd, time.monotonic() + wait)
    finally:
        os.close(fd)  # closing the file releases the lock


def _take(fd: int, deadline: float) -> bool:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        except OSError:  # a file system without locks: as before, unlocked
            return True
