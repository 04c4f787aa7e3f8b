"""« Enregistrer sur le serveur »: a local draft copied to the real Dovecot's Drafts folder,
each save replacing the previous copy, the copy removed once the draft is sent, and a
plain message (the local draft kept) when offline or without a Drafts folder."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from tests.bed.dovecot import User, free_port
from tests.conftest import Bed
from tests.mail_helpers import BedTrust, raw_client
from tests.test_worker import Events, make_worker
from tui.core.account.contract import (
    CacheChanged,
    CommandFailed,
    DraftSaved,
    FolderSynced,
    Offline,
    Replay,
    SaveDraft,
    SyncDone,
    SyncFolder,
)
from tui.core.account.worker import AccountWorker
from tui.core.i18n import set_language
from tui.core.mail.compose import Draft, Identity, build_message, to_bytes
from tui.core.store import outbox
from tui.core.store.cache import Cache

pytestmark = pytest.mark.server

DRAFTS = "Brouillons"  # the bed's \Drafts folder


@pytest.fixture(autouse=True)
def french() -> None:
    set_language("fr")


def server_drafts(bed: Bed, user: User) -> list[tuple[int, set[str], bytes]]:
    with raw_client(bed, user) as client:
        client.select_folder(DRAFTS, readonly=True)
        uids = client.search(["ALL"])
        data = client.fetch(uids, ["FLAGS", "BODY.PEEK[]"]) if uids else {}
        return [
            (uid, {f.decode() for f in data[uid][b"FLAGS"]}, data[uid][b"BODY[]"])
            for uid in sorted(data)
        ]


def built(user: User, draft: Draft) -> bytes:
    identity = Identity("Élodie Fèvre", user.email)
    return to_bytes(build_message(identity, draft, require_recipient=False))


def save(worker: AccountWorker, events: Events, draft_id: int, raw: bytes) -> None:
    events.seen.clear()
    worker.submit(SaveDraft(draft_id, raw))
    saved = events.wait_for(lambda e: isinstance(e, DraftSaved | CommandFailed))
    assert isinstance(saved, DraftSaved) and saved.folder == DRAFTS
    events.wait_for(lambda e: isinstance(e, CacheChanged) and e.folder == DRAFTS)


def synced(bed: Bed, tmp_path: Path) -> tuple[User, AccountWorker, Events, Cache]:
    """A new user's worker after its first sync, and the UI's own cache connection."""
    user = bed.new_user()
    path = tmp_path / "cache.sqlite"
    events = Events()
    worker = make_worker(bed, user, path, events)
    worker.start()
    events.wait_for(lambda e: isinstance(e, SyncDone))
    return user, worker, events, Cache.open(path)


def test_each_save_replaces_the_copy_and_sending_removes_it(bed: Bed, tmp_path: Path) -> None:
    user, worker, events, cache = synced(bed, tmp_path)
    draft = Draft(subject="Projet d'établissement", body="Première version, à compléter.\n")
    draft_id = outbox.save_draft(cache, draft)  # no recipient yet: still a draft

    save(worker, events, draft_id, built(user, draft))
    ((first_uid, flags, raw),) = server_drafts(bed, user)
    assert {"\\Draft", "\\Seen"} <= flags
    assert message_from_bytes(raw)["Subject"] is not None
    assert b"Premi" in raw
    copy = outbox.server_copy(cache, draft_id)
    assert copy is not None and (copy.folder, copy.uid) == (DRAFTS, first_uid)

    draft.to = "marie.durand@ac-dijon.fr"
    draft.body = "Deuxième version.\n"
    save(worker, events, draft_id, built(user, draft))
    ((second_uid, _flags, raw),) = server_drafts(bed, user)  # one copy, never two
    assert second_uid != first_uid and b"Deuxi" in raw
    assert [s.uid for s in cache.page(DRAFTS, 0, 10)] == [second_uid]

    outbox.send_draft(cache, Identity("Élodie Fèvre", user.email), draft, draft_id=draft_id)
    assert cache.page(DRAFTS, 0, 10) == []  # gone from the list at once
    assert outbox.server_copy(cache, draft_id) is None
    worker.submit(Replay())  # what the app's delayed replay sends
    worker.submit(SyncFolder(DRAFTS))
    events.wait_for(lambda e: isinstance(e, FolderSynced) and e.result.folder == DRAFTS)
    worker.stop()
    assert server_drafts(bed, user) == [] and cache.pending_ops() == []
    cache.close()


def test_no_drafts_folder_is_said_and_the_local_draft_kept(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    path = tmp_path / "cache.sqlite"
    events = Events()
    worker = make_worker(bed, user, path, events, sync_on_connect=False)
    cache = Cache.open(path)
    draft_id = outbox.save_draft(cache, Draft(subject="Compte rendu", body="Texte.\n"))
    worker.start()
    worker.submit(SyncFolder("INBOX"))  # connected, and the folder list is known…
    events.wait_for(lambda e: isinstance(e, FolderSynced))
    with cache.transaction() as db:  # …but no folder is flagged \Drafts
        db.execute("UPDATE folders SET special_use = NULL WHERE special_use = 'drafts'")
        db.execute("DELETE FROM folders WHERE name = ?", (DRAFTS,))
    worker.submit(SaveDraft(draft_id, built(user, Draft(subject="Compte rendu"))))
    failed = events.wait_for(lambda e: isinstance(e, CommandFailed))
    worker.stop()
    assert isinstance(failed, CommandFailed)
    assert "Aucun dossier « Brouillons »" in failed.error.message
    assert "sur cet ordinateur" in failed.error.message
    assert [d.subject for _id, d in outbox.load_drafts(cache)] == ["Compte rendu"]
    assert server_drafts(bed, user) == []
    cache.close()


def test_offline_save_is_refused_plainly(bed: Bed, tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = Cache.open(path)
    draft_id = outbox.save_draft(cache, Draft(subject="Hors ligne", body="Texte.\n"))
    events = Events()
    worker = AccountWorker(
        host="localhost",
        port=free_port(),  # nothing listens there
        username=bed.user.username,
        password=bed.user.password,
        trust=BedTrust(bed),
        cache_path=path,
        on_event=events,
        backoff_start=60,
    )
    worker.start()
    events.wait_for(lambda e: isinstance(e, Offline))
    worker.submit(SaveDraft(draft_id, built(bed.user, Draft(subject="Hors ligne"))))
    failed = events.wait_for(lambda e: isinstance(e, CommandFailed))
    worker.stop()
    assert isinstance(failed, CommandFailed)
    assert failed.error.message.startswith("Hors ligne : le brouillon n'a pas été enregistré")
    assert [d.subject for _id, d in outbox.load_drafts(cache)] == ["Hors ligne"]
    cache.close()


def test_without_appenduid_the_copy_is_found_by_its_message_id(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server without UIDPLUS says nothing of the new copy's UID: it is searched for."""
    from tui.core.net.imap import ImapConnection

    plain_append = ImapConnection.append

    def no_appenduid(self: ImapConnection, *args: object, **kw: object) -> None:
        plain_append(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(ImapConnection, "append", no_appenduid)
    user, worker, events, cache = synced(bed, tmp_path)
    draft = Draft(subject="Sans UIDPLUS", body="v1\n")
    draft_id = outbox.save_draft(cache, draft)
    save(worker, events, draft_id, built(user, draft))
    draft.body = "v2\n"
    save(worker, events, draft_id, built(user, draft))
    worker.stop()
    ((uid, _flags, raw),) = server_drafts(bed, user)
    assert b"v2" in raw
    copy = outbox.server_copy(cache, draft_id)
    assert copy is not None and copy.uid == uid
    cache.close()
