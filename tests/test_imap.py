"""core.imap against the real Dovecot: TLS + trust, capabilities, folders, fetches."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bed.dovecot import User
from tests.conftest import Bed
from tests.mail_helpers import BedTrust
from tui.core.errors import AuthError
from tui.core.net.imap import ImapConnection, uid_ranges
from tui.core.net.imapreplies import parse_list_line
from tui.core.net.trust import CertificateNeedsDecision, TrustStore

pytestmark = pytest.mark.server


def message(n: int, subject: str | None = None) -> bytes:
    return (
        f"From: Expéditeur {n} <exp{n}@ac-dijon.fr>\r\nTo: prenom.nom@ac-dijon.fr\r\n"
        f"Subject: {subject or f'Message {n}'}\r\nMessage-ID: <m{n}@ac-dijon.fr>\r\n"
        f"Date: Mon, 2 Mar 2026 09:{n % 60:02d}:00 +0100\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nCorps du message.\r\n"
    ).encode()


def connect(bed: Bed, user: User) -> ImapConnection:
    conn = ImapConnection("localhost", bed.imap_port, user.username, user.password, BedTrust(bed))
    conn.connect()
    return conn


def test_list_line_parser_survives_unbalanced_brackets() -> None:
    assert parse_list_line(b'(\\HasNoChildren) "/" Projets[2025') == (
        (b"\\HasNoChildren",),
        b"/",
        b"Projets[2025",
    )
    assert parse_list_line(b'(\\Sent) "/" "Envoy&AOk-s"') == ((b"\\Sent",), b"/", b"Envoy&AOk-s")
    assert parse_list_line((b'() "/" {5}', b"a[b c")) == ((), b"/", b"a[b c")
    assert parse_list_line(b"garbage") is None


def test_uid_ranges() -> None:
    assert uid_ranges([5, 1, 2, 3, 9, 10, 12]) == "1:3,5,9:10,12"
    assert uid_ranges([]) == ""


def test_connect_checks_peer_before_login_and_reads_capabilities(bed: Bed) -> None:
    user = bed.new_user()
    trust = BedTrust(bed)
    conn = ImapConnection("localhost", bed.imap_port, user.username, user.password, trust)
    conn.connect()
    assert trust.peers and trust.peers[0]
    offered = conn.offered()
    for name in ("CONDSTORE", "ENABLE", "IDLE", "MOVE", "UIDPLUS", "QUOTA", "SPECIAL-USE"):
        assert offered[name], name
    assert conn.quota() is not None
    conn.close()


def test_untrusted_certificate_needs_a_decision(bed: Bed, tmp_path: Path) -> None:
    user = bed.new_user()
    trust = TrustStore(tmp_path / "trust.toml")
    conn = ImapConnection("localhost", bed.imap_port, user.username, user.password, trust)
    with pytest.raises(CertificateNeedsDecision):
        conn.connect()


def test_wrong_password_is_auth_error(bed: Bed) -> None:
    user = bed.new_user()
    conn = ImapConnection("localhost", bed.imap_port, user.username, "faux", BedTrust(bed))
    with pytest.raises(AuthError):
        conn.connect()


def test_odd_folder_names_do_not_hide_the_others(bed: Bed) -> None:
    user = bed.new_user()
    conn = connect(bed, user)
    for name in ("Élèves 2025", "Projets [2025", "Info] fin"):
        conn.create_folder(name)
    folders = {f.name: f for f in conn.list_folders()}
    assert "Élèves 2025" in folders and "Projets [2025" in folders and "Info] fin" in folders
    assert "INBOX" in folders and "Corbeille" in folders
    assert "\\Trash" in folders["Corbeille"].flags
    # The name decodes back to what the server knows: selecting it works.
    assert conn.select("Élèves 2025").messages == 0
    assert conn.select("Projets [2025").messages == 0
    conn.close()


def test_newest_by_sequence_ranges_esearch_and_peek(bed: Bed) -> None:
    user = bed.new_user()
    conn = connect(bed, user)
    for n in range(1, 31):
        conn.append("INBOX", message(n))
    status = conn.select("INBOX")
    assert status.messages == 30 and status.highestmodseq
    newest = conn.fetch_newest(10, status.messages, ["FLAGS"])
    assert sorted(newest) == list(range(21, 31))
    assert sorted(conn.fetch_uid_range(5, 9, ["FLAGS"])) == [5, 6, 7, 8, 9]
    assert conn.fetch_uid_range(40, None, ["FLAGS"]) == {}  # `40:*` answers uid 30: dropped
    conn.expunge([3, 4])
    assert conn.search_uids(1, 10) == [1, 2, 5, 6, 7, 8, 9, 10]
    body = conn.fetch_body(7)
    assert body is not None and b"Corps du message." in body
    assert b"\\Seen" not in conn.fetch_uids([7], ["FLAGS"])[7][b"FLAGS"]
    assert conn.fetch_body(3) is None
    with pytest.raises(ValueError):
        conn.search_text("x\r\nA1 DELETE INBOX")
    assert conn.search_text("Message 12") == [12]
    conn.close()


class _FakeImaplib:
    """Just enough of imaplib for LIST: the lines a hostile server sends."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines

    def _simple_command(self, *args: object) -> tuple[str, list[object]]:
        return "OK", []

    def _untagged_response(self, typ: str, data: object, name: str) -> tuple[str, list[object]]:
        return typ, list(self.lines) if name == "LIST" else []


class _FakeClient:
    def __init__(self, lines: list[bytes]) -> None:
        self._imap = _FakeImaplib(lines)

    def _checkok(self, *args: object) -> None:
        return None


def test_an_invalid_modified_utf7_name_is_listed_raw_and_never_selected(tmp_path: Path) -> None:
    """Issue #24: « &2D0- » decodes to a lone surrogate, which SQLite cannot store:
    every sync stopped after LIST with « 'utf-8' codec can't encode »."""
    from tui.core.net.imap import ImapConnection
    from tui.core.store.cache import Cache
    from tui.core.store.records import FolderRow

    conn = ImapConnection("localhost", 1, "u", "p", None)  # type: ignore[arg-type]
    conn.client = _FakeClient(  # type: ignore[assignment]
        [b'(\\HasNoChildren) "/" INBOX', b'(\\HasNoChildren) "/" "&2D0-"', b'() "/" "Projets"']
    )
    folders = conn.list_folders()
    names = {f.name: f.flags for f in folders}
    assert set(names) == {"INBOX", "&2D0-", "Projets"}
    assert "\\Noselect" in names["&2D0-"] and "\\Noselect" not in names["INBOX"]
    cache = Cache.open(tmp_path / "c.sqlite3")
    try:
        cache.set_folders([FolderRow(f.name, f.delimiter, None, 0, 0, f.flags) for f in folders])
        assert "&2D0-" in {row.name for row in cache.folders()}
    finally:
        cache.close()
