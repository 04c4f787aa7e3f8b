"""Random bytes and random MIME trees: parse-and-render never raises and never leaks."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.core.mail.mime import MAX_BODY_CHARS, MAX_PARTS, RenderedMessage, parse_message
from tui.show import render

LEAK = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
HOSTILE = [
    "\x1b]0;x\x07",
    "\x1b[31m",
    "\x9b2J",
    "\x9d0;t\x9c",
    "\u202e",
    "\x00",
    "é",
    "€",
    "[@click=app.quit]x[/]",
    "=?utf-8?q?=1B]0;t=07?=",
    "\r\n",
    "\t",
]
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(message: RenderedMessage) -> None:
    assert len(message.body) <= MAX_BODY_CHARS
    assert len(message.attachments) <= MAX_PARTS
    screen = render(message) + render(message, all_headers=True)
    assert not LEAK.search(screen.replace("\n", "").replace("\t", ""))
    for line in [message.subject, *(n for n, _ in message.from_), *message.warnings]:
        assert "\n" not in line


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes(raw: bytes) -> None:
    check(parse_message(raw))


@FAST
@given(st.lists(st.sampled_from(HOSTILE) | st.text(max_size=20), max_size=15))
def test_random_headers(pieces: list[str]) -> None:
    text = "".join(pieces)
    raw = (
        f"From: {text} <{text}@x.fr>\r\nSubject: {text}\r\nTo: {text}\r\n"
        f"Content-Type: text/plain; charset={text[:10]}\r\n\r\n{text}\r\n"
    ).encode("utf-8", "surrogatepass")
    check(parse_message(raw))


LEAVES = st.sampled_from(
    [
        ("text/plain; charset=utf-8", "8bit", "Bonjour \x1b]0;x\x07 é"),
        ("text/plain; charset=iso-8859-1", "quoted-printable", "caf=E9 =80 =1B[31m"),
        (
            "text/html; charset=utf-8",
            "8bit",
            "<p>a<script>x</script><img src='http://t/p'>"
            "<a href='http://evil'>www.ac-dijon.fr</a></p>",
        ),
        (
            "text/calendar",
            "8bit",
            "BEGIN:VEVENT\nSUMMARY:\x1b[2J\nDTSTART:20261124T1400Z\nEND:VEVENT",
        ),
        ('application/pdf; name="../x\u202e.pdf"', "base64", "JVBERi0="),
        ("text/plain; charset=x-bogus", "base64", "!!!"),
        ("image/png", "base64", "iVBORw0KGgo="),
    ]
)


def tree(depth: int):  # type: ignore[no-untyped-def]
    if depth == 0:
        return LEAVES
    return LEAVES | st.tuples(
        st.sampled_from(["multipart/mixed", "multipart/alternative", "message/rfc822"]),
        st.lists(tree(depth - 1), min_size=0, max_size=4),
    )


def build(node, counter: list[int]) -> str:  # type: ignore[no-untyped-def]
    if isinstance(node[1], str):
        ctype, cte, body = node
        return f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}\r\n"
    kind, children = node
    if kind == "message/rfc822":
        inner = build(children[0], counter) if children else "\r\nvide\r\n"
        return f"Content-Type: message/rfc822\r\n\r\nSubject: \x1b]0;x\x07\r\n{inner}"
    counter[0] += 1
    boundary = f"b{counter[0]}"
    parts = "".join(f"--{boundary}\r\n{build(c, counter)}" for c in children)
    return f'Content-Type: {kind}; boundary="{boundary}"\r\n\r\n{parts}--{boundary}--\r\n'


@FAST
@given(tree(4))
def test_random_mime_trees(node) -> None:  # type: ignore[no-untyped-def]
    raw = "From: X <x@evil.example>\r\nSubject: arbre\r\n" + build(node, [0])
    check(parse_message(raw.encode("utf-8")))
