"""Opens the user's real account: its cache, its trust store and its IMAP worker thread.

The worker reports on its own thread; `post` must be thread-safe (the app passes
`App.post_message` wrapped in a Message), so no widget is touched from that thread.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tui.config import Config, cache_dir, data_dir, trust_path
from tui.core.account import contract
from tui.core.store.cache import Cache

if TYPE_CHECKING:
    from tui.account import Account

    # Imported when the account connects, not before the first frame: imapclient and
    # cryptography cost ~110 ms of start-up (bench/README.md).
    from tui.core.account import worker as w
    from tui.core.net.idle import IdleWatcher
    from tui.core.net.trust import TrustStore


_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+@-]{0,99}")


def cache_path(config: Config) -> Path:
    """The account's cache file, named after what the user typed only when that is a
    plain short name: a 5 MB username or one with « / » gets a hashed name instead
    (issue #18). A file an earlier courriel named after any other username is kept:
    it may hold that user's outbox until it is opened once (tui/core/store/durable.py)."""
    account = config.account
    username, host = str(account["username"] or "compte"), str(account["imap_host"])
    legacy = f"{username}@{host}.sqlite3"
    if _PLAIN_NAME.fullmatch(username) and _PLAIN_NAME.fullmatch(host):
        return cache_dir() / legacy
    if _usable_legacy(legacy) and (cache_dir() / legacy).is_file():
        return cache_dir() / legacy
    digest = hashlib.sha256(f"{username}\0{host}".encode("utf-8", "replace")).hexdigest()
    return cache_dir() / f"compte-{digest[:24]}.sqlite3"


def _usable_legacy(name: str) -> bool:
    """Could the old naming have created this file at all (a single, short name)?"""
    return (
        len(name.encode("utf-8", "replace")) <= 255
        and "/" not in name
        and "\0" not in name
        and name.isprintable()
    )


def local_store_path(config: Config) -> Path:
    """The account's outbox, drafts and pending operations: in the data directory, which
    no cleaning tool empties, under the same name as its cache (tui/core/store/durable.py)."""
    return data_dir() / cache_path(config).name


# Every action waits this long before reaching the server, so that `u` can still take
# it back; flag changes wait too, or replaying them would push a removal out early.
UNDO_SECONDS = 10.0
STOP_WAIT = 0.5  # seconds quitting gives the account's threads to finish by themselves


class AccountSession:
    """The worker of one account, started once a password is known."""

    def __init__(
        self,
        config: Config,
        post: Callable[[contract.Event], None] | None = None,
        trust: TrustStore | None = None,
        trust_from: AccountSession | None = None,
    ) -> None:
        self.config = config
        # Another account's session whose trust store this one shares (#20).
        self._trust_from = trust_from
        # The cache's folder when no account is configured yet (open_account).
        self.scratch: tempfile.TemporaryDirectory[str] | None = None
        self.post: Callable[[contract.Event], None] = post or (lambda event: None)
        # Kept across a settings change: « Accepter une fois » lasts the whole process.
        self._trust = trust
        self.worker: w.AccountWorker | None = None
        self.idle: IdleWatcher | None = None
        self._later: threading.Timer | None = None
        self._stopped = False

    @property
    def trust(self) -> TrustStore:
        if self._trust is None and self._trust_from is not None:
            return self._trust_from.trust
        if self._trust is None:
            from tui.core.net.trust import TrustStore

            self._trust = TrustStore(trust_path())
        return self._trust

    @property
    def stopped(self) -> bool:
        """Closed (quit, or settings changed): its events and sends are for no one."""
        return self._stopped

    @property
    def configured(self) -> bool:
        return bool(self.config.account["username"])

    def start(self, password: str, *, sync_on_connect: bool = True) -> None:
        """Start the worker; `courriel send` (tui/cli_send.py) needs only its filing of
        the Sent copy, not a whole sync (`sync_on_connect=False`)."""
        from tui.core.account import worker as w

        account = self.config.account
        self.worker = w.AccountWorker(
            host=account["imap_host"],
            port=account["imap_port"],
            username=account["username"],
            password=password,
            trust=self.trust,
            cache_path=cache_path(self.config),
            durable_path=local_store_path(self.config),
            undo_seconds=UNDO_SECONDS,
            on_event=lambda event: self.post(event),
            prefetch_days=self.config.sync["prefetch_days"],
            # Rules put on the server run there: never both silently (#19).
            rules=() if self.rules_on_server() else self.config.rules,
            sieve_port=account["sieve_port"],
            sync_on_connect=sync_on_connect,
        )
        self.worker.start()

    def rules_on_server(self) -> bool:
        from tui.views import rules_on_server, views_path

        return rules_on_server(views_path(local_store_path(self.config))) is not None

    def ensure_idle(self, password: str) -> None:
        """Once the worker is connected (password and certificate settled): IDLE on
        INBOX if the user wants it; started again after it gave up (new password…)."""
        if not self.config.sync["idle"] or self.worker is None:
            return
        if self.idle is not None and self.idle.alive:
            return
        from tui.core.net.idle import IdleWatcher
        from tui.core.net.imap import ImapConnection

        worker = self.worker
        account = self.config.account
        conn = ImapConnection(
            account["imap_host"], account["imap_port"], account["username"], password, self.trust
        )
        self.idle = IdleWatcher(conn, lambda: worker.submit(contract.SyncFolder("INBOX")))
        self.idle.start()

    def request(self, command: contract.Command) -> None:
        """Hand the Account's command to the worker (the undo timer stays here)."""
        if self.worker is None:
            return
        if isinstance(command, contract.ReplayLater):
            self._replay_later()
        elif isinstance(command, contract.SyncAll) and command.thorough:
            self.worker.sync_now()  # the user's F5: also retries at once if offline
        else:
            self.worker.submit(command)

    def _replay_later(self) -> None:
        """Replay UNDO_SECONDS after the last action (the queue itself is durable), so
        every removal keeps its full undo window."""
        if self._later is not None:
            self._later.cancel()
        worker = self.worker
        if worker is None:
            return

        self._later = threading.Timer(UNDO_SECONDS, lambda: worker.submit(contract.Replay()))
        self._later.daemon = True
        self._later.start()

    def stop(self, wait: float = STOP_WAIT) -> None:
        """Stop the account's threads without waiting on the network.

        Quitting used to join the worker for 5 s, twice (app and CLI), with the screen
        frozen, against a server that never finished TLS. The threads are told to stop
        and given `wait` seconds; one still blocked in a network call is a daemon and
        ends with the process. What they write is committed or rolled back by SQLite
        either way. From here on, their events reach no one (an account switch must not
        hear the old account). Calling it again does nothing.
        """
        if self._stopped:
            return
        self._stopped = True
        self.post = lambda event: None
        if self._later is not None:
            self._later.cancel()  # pending moves stay queued and go at the next start
        if self.idle is not None:
            self.idle.stop(timeout=wait)
        if self.worker is not None:
            self.worker.stop(timeout=wait)

    def join(self, timeout: float) -> None:
        """Wait at most `timeout` seconds for threads already told to stop."""
        deadline = time.monotonic() + timeout
        for thread in (self.idle, self.worker):
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))


def stop_all(sessions: Iterable[AccountSession], wait: float = STOP_WAIT) -> None:
    """Every account told to stop first, then waited for together: `wait` seconds in
    all, not for each (review: four accounts hanging in TLS froze quitting for 2 s)."""
    sessions = [session for session in sessions if not session.stopped]  # once only
    for session in sessions:
        session.stop(wait=0.0)
    deadline = time.monotonic() + wait
    for session in sessions:
        session.join(max(0.0, deadline - time.monotonic()))


def open_account(
    config: Config, trust: TrustStore | None = None, trust_from: AccountSession | None = None
) -> tuple[Account, AccountSession]:
    """The account and its (not yet started) worker; the app sets `session.post`."""
    from tui.account import Account  # the reader's widgets: not for `courriel sync`

    session = AccountSession(config, trust=trust, trust_from=trust_from)
    if session.configured:
        path, store = cache_path(config), local_store_path(config)
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        # No account yet: nothing is worth a file named after a placeholder; the empty
        # mailbox behind the setup screen lives in a folder removed with the session.
        session.scratch = tempfile.TemporaryDirectory(prefix="courriel-")
        path = Path(session.scratch.name) / "cache.sqlite3"
        store = Path(session.scratch.name) / "store.sqlite3"
    # The quick_check is the worker's (CacheRebuilt): the list draws without waiting.
    cache = Cache.open(path, durable_path=store, check=False)
    account = Account(config, cache, request=session.request, undo_window=lambda: UNDO_SECONDS)
    return account, session


def open_accounts(
    config: Config, trust: TrustStore | None = None
) -> list[tuple[Account, AccountSession]]:
    """Every account of the config (#20), the first being [account]: each its own cache,
    durable store and worker (their files are named after each login), one trust store
    for all, so a certificate accepted from one account is known to the others."""
    opened = [open_account(config, trust)]
    for index in range(1, len(config.accounts)):
        opened.append(open_account(config.for_account(index), trust, trust_from=opened[0][1]))
    return opened
