"""The summary parser's fast address path agrees with email.utils, and hostile lists
fall back to the full grammar."""

from __future__ import annotations

import email.utils

from hypothesis import given
from hypothesis import strategies as st

from tui.core.mail.summary import _simple_pairs, address_list, format_addresses, parse_summary

_ATOM = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàçÉ-_.'0123456789", min_size=1, max_size=12)
_LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-_+", min_size=1, max_size=12)
_DOMAIN = st.sampled_from(["ac-dijon.fr", "education.gouv.fr", "pronote.net", "exemple.org"])


@st.composite
def _simple_item(draw: st.DrawFn) -> str:
    local = draw(_LOCAL).strip(".") or "x"
    address = f"{local}@{draw(_DOMAIN)}"
    words = draw(st.lists(_ATOM, max_size=3))
    return f"{' '.join(words)} <{address}>" if words else address


@given(st.lists(_simple_item(), min_size=1, max_size=6))
def test_fast_path_agrees_with_email_utils(items: list[str]) -> None:
    raw = ", ".join(items)
    fast = _simple_pairs(raw)
    assert fast is not None
    assert fast == [p for p in email.utils.getaddresses([raw]) if p[0] or p[1]]


def test_plain_and_encoded_names() -> None:
    raw = "=?utf-8?q?=C3=89quipe_p=C3=A9dagogique?= <equipe@ac-dijon.fr>, jdupont@ac-dijon.fr"
    assert address_list(raw) == [
        ("Équipe pédagogique", "equipe@ac-dijon.fr"),
        ("", "jdupont@ac-dijon.fr"),
    ]
    assert format_addresses(address_list(raw)) == (
        "Équipe pédagogique <equipe@ac-dijon.fr>, jdupont@ac-dijon.fr"
    )


def test_quoted_commas_groups_and_comments_take_the_full_parser() -> None:
    for raw in (
        '"Dupont, Marie" <marie.dupont@ac-dijon.fr>',
        "undisclosed-recipients:;",
        "marie.dupont@ac-dijon.fr (Marie Dupont)",
        "Dupont, Marie <marie.dupont@ac-dijon.fr>",
        "jean@exemple.org <marie@ac-dijon.fr>",
    ):
        assert _simple_pairs(raw) is None, raw
    assert address_list('"Dupont, Marie" <marie.dupont@ac-dijon.fr>') == [
        ("Dupont, Marie", "marie.dupont@ac-dijon.fr")
    ]


def test_hostile_names_are_cleaned_on_the_fast_path() -> None:
    [(name, address)] = address_list("Banque\x1b[31m\u202e <a@b.fr>")
    assert "\x1b" not in name and "\u202e" not in name and address == "a@b.fr"


def test_no_date_header_means_no_date_until_the_server_says() -> None:
    raw = b"From: a@b.fr\r\nSubject: sans date\r\n\r\n"
    s = parse_summary("INBOX", 1, {b"BODY[HEADER.FIELDS (FROM)]": raw, b"FLAGS": ()})
    assert s.date is None


def test_a_long_references_keeps_its_newest_ids() -> None:
    """Threads need the direct parent, which comes last (RFC 5322 3.6.4)."""
    chain = " ".join(f"<ancetre{n}@ac-dijon.fr>" for n in range(400)) + " <parent@ac-dijon.fr>"
    raw = b"From: a@b.fr\r\nReferences: " + chain.encode() + b"\r\n\r\n"
    s = parse_summary("INBOX", 1, {b"BODY[HEADER.FIELDS (REFERENCES)]": raw, b"FLAGS": ()})
    assert s.references.endswith("<parent@ac-dijon.fr>") and len(s.references) <= 4000


def test_the_list_reads_an_ambiguous_header_as_the_reader_does() -> None:
    """`alice@example.org)<bob@example.org>` listed alice and bob while the reader
    called it ambiguous (CVE-2023-27043): a crafted From could show one sender in the
    list and another in the reader. Both now use tui/core/mail/addresses.py."""
    from tui.core.mail.addresses import parse_addresses

    for raw in (
        "alice@example.org)<bob@example.org>",
        "Rectorat <rectorat@ac-dijon.fr>(x",
        '"a" <x@evil.fr>, <y@a[b.fr>',
        "Rectorat <rectorat@ac-dijon.fr>; pirate@evil.fr",
    ):
        assert parse_addresses([raw]) is None, raw
        assert address_list(raw) == [(raw, "")], raw  # shown as written, no address
    for raw in ('"Dupont, Marie" <marie.dupont@ac-dijon.fr>', "a@b.fr (Bob, Jr.)"):
        assert address_list(raw) == parse_addresses([raw]), raw
