"""The only place courriel calls imapclient's private methods, each for a reason its
public API cannot serve (checked against imapclient 4.1; pyproject.toml pins the minor
version, and tests/test_imap.py runs each against Dovecot).

Every function takes the connected `IMAPClient` and returns the untagged data lines.
"""

from __future__ import annotations

from typing import Any

from imapclient import IMAPClient


def list_with_status(client: IMAPClient, args: list[str]) -> tuple[list[Any], list[Any]]:
    """LIST with `RETURN (STATUS …)` (RFC 5819): the LIST lines and the STATUS lines.

    `IMAPClient.list_folders` sends no RETURN options and drops the STATUS answers.
    """
    imap = client._imap  # the imaplib connection: the raw command API lives there
    # imaplib's _simple_command sends the command and waits for its tagged answer.
    typ, data = imap._simple_command("LIST", *args)
    # imapclient's own check: a NO/BAD becomes its exception, as with public calls.
    client._checkok("list", typ, data)
    # imaplib keeps untagged answers by name; LIST and STATUS are read apart.
    typ, lines = imap._untagged_response(typ, data, "LIST")
    _typ, statuses = imap._untagged_response(typ, [None], "STATUS")
    return lines, statuses


def fetch_range(client: IMAPClient, args: list[str]) -> list[Any]:
    """FETCH / UID FETCH with a range string (`1:*`, `100:200`) and modifiers
    (`CHANGEDSINCE`): `IMAPClient.fetch` parses a string range and raises after the
    command already ran (PITFALLS.md), and has no way to pass modifiers with a range.
    """
    imap = client._imap
    tag = imap._command(*args)  # send without waiting, as imaplib's public calls do
    typ, data = imap._command_complete("FETCH", tag)  # wait for this tag's answer
    client._checkok("fetch", typ, data)
    typ, lines = imap._untagged_response(typ, data, "FETCH")
    return list(lines)


def esearch(client: IMAPClient, criteria: list[bytes]) -> list[Any]:
    """UID SEARCH RETURN (…) (RFC 4731): `IMAPClient.search` cannot ask for RETURN
    options and would read an ESEARCH answer as a plain SEARCH."""
    return list(
        client._raw_command_untagged(  # imapclient's command runner, answer by name
            b"SEARCH", criteria, uid=True, response_name="ESEARCH"
        )
    )
