"""`courriel contacts import FICHIER`: a vCard or CSV file into the address book.

The same code as the contacts screen's import (tui/core/mail/contact_import.py, then
tui/core/store/contacts.py), without Textual; the summary goes to stdout, a failure
to stderr with its exit code (tui/commands.py documents them).
"""

from __future__ import annotations

import argparse
import sys

from tui.cli import EXIT_FAILURE, EXIT_OK
from tui.core.errors import MailError
from tui.core.i18n import _
from tui.scripts import load_account, open_store, say

COMMAND = "contacts"


def run(args: argparse.Namespace) -> int:
    from tui.core.mail import contact_import
    from tui.core.store import contacts

    config = load_account(args)
    try:
        found = contact_import.from_file(args.file)
    except contact_import.ImportFailed as exc:
        say(COMMAND, exc.message)
        return EXIT_FAILURE
    try:
        store = open_store(config)
    except MailError as exc:
        say(COMMAND, exc.message)
        return EXIT_FAILURE
    try:
        added = contacts.add_many(store, found.people)
    except Exception as error:
        from tui.core.store import durable

        if not durable.write_problem(error):
            raise
        say(
            COMMAND,
            _("le carnet d'adresses n'a pas pu être écrit ({reason}).").format(
                reason=durable.reason(error)
            ),
        )
        return EXIT_FAILURE
    finally:
        store.close()
    known = len(found.people) - added
    say(COMMAND, contact_import.summary(added, known, found.skipped), sys.stdout)
    return EXIT_OK
