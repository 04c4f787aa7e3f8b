"""What start-up does not need is not loaded at start-up (#22: resting memory).

Measured in a fresh interpreter: `import tui.app` costs ~29 MiB over a bare Python
(Textual ~23 of it); the HTML converter (inscriptis + lxml, ~5 MiB), the IMAP library,
SMTP, the keyring and the MIME/compose stack come later, with their first use.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# Loaded only when needed: the first HTML message, the connection, a send, a password.
NOT_AT_START = (
    "inscriptis",
    "lxml",
    "imapclient",
    "aiosmtplib",
    "keyring",
    "cryptography",
    "tui.core.account.worker",
    "tui.core.mail.mime",
    "tui.core.mail.compose",
    "tui.core.mail.htmlbody",
    "html.entities",
    "importlib.metadata",
    # An attachment read as text (#20): its code waits for `p`, and pypdf is only ever
    # loaded by the child process that extracts the text.
    "tui.core.mail.attachment_text",
    "tui.core.mail.attachment_office",
    "tui.core.mail.attachment_sheets",
    "tui.core.mail.attachment_sandbox",
    "tui.core.mail.attachment_open",
    "pypdf",
    "zipfile",
)
# The worker connects and syncs; bodies, composing and HTML wait for their first use.
NOT_WITH_THE_WORKER = (
    "inscriptis",
    "lxml",
    "aiosmtplib",
    "tui.core.mail.mime",
    "tui.core.mail.compose",
    "tui.core.mail.htmlbody",
    "html.entities",
    "importlib.metadata",  # imapclient's version lookup (tui/core/net/imapversion.py)
)
# A plain-text message is read without the HTML converter.
NOT_FOR_PLAIN_TEXT = ("tui.core.mail.htmlbody", "html.entities", "inscriptis", "lxml")


def loaded(module: str, watched: tuple[str, ...]) -> list[str]:
    code = f"import sys, {module}\nprint(','.join(m for m in {watched!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return [m for m in result.stdout.strip().split(",") if m]


@pytest.mark.parametrize(
    ("module", "watched"),
    [("tui.app", NOT_AT_START), ("tui.core.account.worker", NOT_WITH_THE_WORKER)],
)
def test_heavy_modules_wait_for_their_first_use(module: str, watched: tuple[str, ...]) -> None:
    assert loaded(module, watched) == [], f"import {module} loads them"


def test_a_plain_text_message_is_read_without_the_html_converter() -> None:
    code = (
        "import sys\n"
        "from tui.core.mail.mime import parse_message\n"
        "parse_message(b'From: a@b.fr\\r\\nSubject: x\\r\\n\\r\\nBonjour\\r\\n')\n"
        f"print(','.join(m for m in {NOT_FOR_PLAIN_TEXT!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == ""


def test_imapclient_still_knows_its_version() -> None:
    """Its version module is replaced so that importlib.metadata stays unloaded; the
    version it reports is still the installed one."""
    from importlib import metadata

    import imapclient

    assert imapclient.__version__ == metadata.version("imapclient")
    assert imapclient.version_info[:2] == tuple(
        int(part) for part in metadata.version("imapclient").split(".")[:2]
    )
