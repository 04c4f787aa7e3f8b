"""Big messages on small machines (issue 23): opening one decodes no attachment, keeps no
copy of its bytes, and saving streams the part to disk byte for byte.

Memory is asserted as a tracemalloc budget with a wide margin (the old reader peaked at
~9x the message), never as a timing; the RSS figures are in `bench/bigmessages.py`.
"""

from __future__ import annotations

import base64
import binascii
import random
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import corpus_helpers as helpers
from tests.test_cache import make
from tests.test_mime_properties import build, tree
from tui.account import Account
from tui.config import Config, defaults
from tui.core.mail import mimestream
from tui.core.mail.attachments import AttachmentSaveError, save_attachment
from tui.core.mail.mime import RenderedMessage, parse_message
from tui.core.mail.mimestream import RawSource, skeleton
from tui.core.store.cache import Cache

MIB = 1024 * 1024
FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def big_message(size: int = 4 * MIB) -> tuple[bytes, bytes]:
    """A text part and a base64 PDF of `size` seeded bytes; (raw, the attached bytes)."""
    data = random.Random(size).randbytes(size)
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    raw = (
        b"From: Examens <examens@ac-dijon.fr>\r\nSubject: Releves\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoici les relev\xc3\xa9s.\r\n"
        b'--b1\r\nContent-Type: application/pdf; name="releves.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + encoded + b"--b1--\r\n"
    )
    return raw, data


def peak_of(action: Callable[[], object]) -> int:
    """Bytes allocated at the peak of `action`, above what was held before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


@pytest.fixture
def decoded_bytes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Sizes of everything handed to base64 and quoted-printable decoding, by anyone."""
    sizes: list[int] = []
    real_b64, real_qp = binascii.a2b_base64, binascii.a2b_qp

    def b64(data: bytes, *args: object, **kw: object) -> bytes:
        sizes.append(len(data))
        return real_b64(data, *args, **kw)  # type: ignore[arg-type]

    def qp(data: bytes, *args: object, **kw: object) -> bytes:
        sizes.append(len(data))
        return real_qp(data, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(binascii, "a2b_base64", b64)
    monkeypatch.setattr(binascii, "a2b_qp", qp)
    yield sizes


def test_opening_decodes_no_byte_of_the_attachment(decoded_bytes: list[int]) -> None:
    raw, data = big_message()
    message = parse_message(raw)
    assert message.body == "Voici les relevés."
    (pdf,) = message.attachments
    assert (pdf.filename, pdf.content_type, pdf.size) == (
        "releves.pdf",
        "application/pdf",
        len(data),
    )
    assert sum(decoded_bytes) < 64 * 1024  # the text part at most, not 5.4 MB of base64


def test_opening_holds_no_copy_of_the_message() -> None:
    raw, _data = big_message()
    # The old reader peaked at ~9x the message (lines, joined payload, decoded copy).
    assert peak_of(lambda: parse_message(raw)) < len(raw) // 2


def test_saving_streams_the_decoded_part_byte_for_byte(tmp_path: Path) -> None:
    raw, data = big_message()
    (pdf,) = parse_message(raw).attachments
    peak = peak_of(lambda: save_attachment(pdf, tmp_path))
    assert (tmp_path / "releves.pdf").read_bytes() == data
    assert peak < len(raw) // 2


def rendered(message: RenderedMessage) -> tuple[object, ...]:
    """Every field the reader shows, attachments by their decoded bytes."""
    atts = [
        (a.index, a.filename, a.content_type, a.size, a.label, a.data) for a in message.attachments
    ]
    return (
        message.subject,
        message.from_,
        message.to,
        message.cc,
        message.reply_to,
        message.date,
        message.raw_date,
        message.message_id,
        message.references,
        message.body,
        message.notes,
        message.links,
        atts,
        [e.lines() for e in message.calendar],
        message.warnings,
        message.all_headers,
        message.size,
    )


def both_ways(raw: bytes, chunk: int = 7) -> tuple[tuple[object, ...], tuple[object, ...]]:
    """The message parsed whole (no token), and with every inert line a token, read
    `chunk` bytes at a time (a line, a CRLF, a base64 quad cut anywhere)."""
    saved = mimestream.MIN_RUN, mimestream.CHUNK
    try:
        mimestream.MIN_RUN = 1 << 40
        whole = rendered(parse_message(raw))
        mimestream.MIN_RUN, mimestream.CHUNK = 1, chunk
        tokens = rendered(parse_message(raw))
    finally:
        mimestream.MIN_RUN, mimestream.CHUNK = saved
    return whole, tokens


@pytest.mark.parametrize("path", helpers.corpus_files(), ids=lambda p: p.name)
def test_tokens_change_nothing_the_reader_shows_corpus(path: Path) -> None:
    whole, tokens = both_ways(path.read_bytes())
    assert tokens == whole


@FAST
@given(tree(3))
def test_tokens_change_nothing_the_reader_shows_trees(node) -> None:  # type: ignore[no-untyped-def]
    raw = "From: X <x@evil.example>\r\nSubject: arbre\r\n" + build(node, [0])
    whole, tokens = both_ways(raw.encode("utf-8"))
    assert tokens == whole


LINES = st.sampled_from(
    [b"", b"--b", b"--b--", b"From x", b"X: y", b" pli", b"\tpli", b"abc", b"QUJD==", b"=41",
     b'Content-Type: multipart/mixed; boundary="b"', b"Content-Type: message/rfc822",
     b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
     b"\xff\x00", b"a:b", b":x"]
)  # fmt: skip


@FAST
@given(
    st.lists(st.tuples(LINES, st.sampled_from([b"\r\n", b"\n", b"\r"])), max_size=40),
    st.integers(min_value=1, max_value=40),
)
def test_tokens_change_nothing_on_line_soup(lines: list[tuple[bytes, bytes]], chunk: int) -> None:
    raw = b"".join(text + end for text, end in lines)
    whole, tokens = both_ways(raw, chunk)
    assert tokens == whole


@FAST
@given(st.binary(max_size=3000), st.integers(min_value=1, max_value=64))
def test_skeleton_without_tokens_is_the_message(raw: bytes, chunk: int) -> None:
    saved = mimestream.CHUNK
    try:
        mimestream.CHUNK = chunk
        assert skeleton(RawSource.of_bytes(raw), min_run=1 << 40).raw == raw
    finally:
        mimestream.CHUNK = saved


def cache_with(tmp_path: Path, raw: bytes) -> Cache:
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", 1, size=len(raw))])
    cache.put_body("INBOX", 1, raw)
    return cache


def test_the_reader_reads_the_cached_body_in_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw, data = big_message()
    cache = cache_with(tmp_path, raw)
    account = Account(Config(tmp_path / "c.toml", defaults()), cache)
    monkeypatch.setattr(cache, "body", lambda *a: pytest.fail("the body was read whole"))
    assert account.has_body("INBOX", 1)
    message = account.message("INBOX", 1)
    assert message is not None and message.body == "Voici les relevés."
    assert message.size == len(raw)
    out = tmp_path / "out"
    out.mkdir()
    save_attachment(message.attachments[0], out)
    assert (out / "releves.pdf").read_bytes() == data
    cache.close()


def test_saving_after_the_body_left_the_cache_says_so(tmp_path: Path) -> None:
    raw, _data = big_message(64 * 1024)
    cache = cache_with(tmp_path, raw)
    account = Account(Config(tmp_path / "c.toml", defaults()), cache)
    message = account.message("INBOX", 1)
    assert message is not None
    cache._db.execute("DELETE FROM bodies")  # evicted while the reader was open
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(AttachmentSaveError, match="plus dans le cache"):
        save_attachment(message.attachments[0], out)
    assert list(out.iterdir()) == []  # no file cut short left behind
    cache.close()


def test_undo_keeps_bodies_in_memory_within_a_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.undo

    monkeypatch.setattr(tui.undo, "UNDO_BODY_BUDGET", 3000)
    cache = Cache.open(tmp_path / "c.sqlite")
    cache.put_summaries([make("INBOX", uid) for uid in (1, 2, 3)])
    for uid, size in ((1, 1000), (2, 1500), (3, 5000)):
        cache.put_body("INBOX", uid, b"Subject: x\r\n\r\n" + b"a" * size)
    account = Account(Config(tmp_path / "c.toml", defaults()), cache)
    for uid in (1, 2, 3):
        account.delete([("INBOX", uid)])
    kept = [bool(entry.bodies) for entry in account._undo]
    assert kept == [True, True, False]  # the 5 kB body alone is over the budget
    cache.close()


def folded_header(size: int) -> bytes:
    line = b"x" * 72
    folded = b"\r\n ".join([line] * (size // 75))
    return b"From: a@ac-dijon.fr\r\nX-Remplissage: " + folded + b"\r\nSubject: fin\r\n\r\ncorps\r\n"


def many_recipients(count: int) -> bytes:
    to = b",\r\n ".join(b"Personne %d <p%d@ac-dijon.fr>" % (n, n) for n in range(count))
    return b"From: a@ac-dijon.fr\r\nTo: " + to + b"\r\nSubject: tous\r\n\r\ncorps\r\n"


BIG_HEADERS = {
    "folded-1mb": folded_header(MIB),
    "one-line-1mb": helpers.huge_header_line(),
    "recipients-20000": many_recipients(20000),
    "from-line-then-fold": b"From x\r\n" + folded_header(MIB)[:-30] + b"\r\n\r\ncorps\r\n",
}


@pytest.mark.parametrize("chunk", [4096, 256 * 1024])
@pytest.mark.parametrize("name", list(BIG_HEADERS))
def test_a_header_cut_in_the_skeleton_shows_the_same(name: str, chunk: int) -> None:
    raw = BIG_HEADERS[name]
    saved = mimestream.HEADER_CAP, mimestream.CHUNK
    try:
        mimestream.HEADER_CAP = 1 << 40
        whole = rendered(parse_message(raw))
        mimestream.HEADER_CAP, mimestream.CHUNK = saved[0], chunk
        cut = rendered(parse_message(raw))
        assert len(skeleton(RawSource.of_bytes(raw)).raw) < len(raw) // 2
    finally:
        mimestream.HEADER_CAP, mimestream.CHUNK = saved
    assert cut == whole


def test_a_huge_header_is_not_held_line_by_line() -> None:
    raw = folded_header(4 * MIB)
    assert peak_of(lambda: parse_message(raw)) < len(raw)  # was ~11x the header
