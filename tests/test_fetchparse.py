"""The fast FETCH parser gives imapclient's answer, or steps aside."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from imapclient.response_parser import parse_fetch_response

from tui.core.net.fetchparse import parse_simple_fetch

SECTION = b"BODY[HEADER.FIELDS (DATE FROM SUBJECT)]"


def _imapclient(data: list[Any]) -> dict[int, dict[bytes, Any]]:
    return {k: v for k, v in parse_fetch_response(data, False, True).items()}


_FLAG = st.sampled_from(
    [b"\\Seen", b"\\Answered", b"\\Flagged", b"$Forwarded", b"Junk", b"\\Recent"]
)


@st.composite
def _response(draw: st.DrawFn, seq: int) -> list[Any]:
    uid = draw(st.integers(1, 10**9))
    flags = b" ".join(draw(st.lists(_FLAG, max_size=4, unique=True)))
    parts = [b"UID %d" % uid, b"FLAGS (" + flags + b")"]
    if draw(st.booleans()):
        parts.append(b"RFC822.SIZE %d" % draw(st.integers(0, 10**8)))
    if draw(st.booleans()):
        parts.append(b"MODSEQ (%d)" % draw(st.integers(1, 10**12)))
    order = draw(st.permutations(parts))
    literal = draw(st.binary(max_size=200))
    if draw(st.booleans()):
        head = b"%d (" % seq + b" ".join(order) + b" " + SECTION + b" {%d}" % len(literal)
        return [(head, literal), b")"]
    return [b"%d (" % seq + b" ".join(order) + b")"]


@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=5).flatmap(
        lambda seqs: st.tuples(*[_response(i + 1) for i in range(len(seqs))])
    )
)
def test_agrees_with_imapclient(responses: tuple[list[Any], ...]) -> None:
    data = [part for response in responses for part in response]
    fast = parse_simple_fetch(data)
    assert fast is not None
    assert fast == _imapclient(data)


def test_steps_aside_for_what_it_does_not_read() -> None:
    date = b'1 (UID 1 INTERNALDATE "23-Nov-2026 10:00:00 +0000" FLAGS ())'
    two_literals = [(b"1 (UID 1 BODY[1] {1}", b"a"), (b" BODY[2] {1}", b"b"), b")"]
    wrong_length = [(b"1 (UID 1 " + SECTION + b" {5}", b"abc"), b")"]
    numeric_flag = b"1 (UID 1 FLAGS (\\Seen 42))"
    for data in ([date], two_literals, wrong_length, [numeric_flag], [b"garbage"]):
        assert parse_simple_fetch(data) is None, data


def test_unsolicited_fetch_without_uid_is_not_an_answer() -> None:
    data = [b"7 (FLAGS (\\Seen))", b"1 (UID 40 FLAGS ())"]
    assert parse_simple_fetch(data) == {40: {b"FLAGS": (), b"SEQ": 1}}
