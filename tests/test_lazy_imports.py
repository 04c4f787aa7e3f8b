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
    "tui.core.worker",
    "tui.core.mime",
    "tui.core.compose",
    "tui.core.htmlbody",
)
# The worker connects and syncs; bodies, composing and HTML wait for their first use.
NOT_WITH_THE_WORKER = (
    "inscriptis",
    "lxml",
    "aiosmtplib",
    "tui.core.mime",
    "tui.core.compose",
    "tui.core.htmlbody",
)


def loaded(module: str, watched: tuple[str, ...]) -> list[str]:
    code = f"import sys, {module}\nprint(','.join(m for m in {watched!r} if m in sys.modules))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return [m for m in result.stdout.strip().split(",") if m]


@pytest.mark.parametrize(
    ("module", "watched"),
    [("tui.app", NOT_AT_START), ("tui.core.worker", NOT_WITH_THE_WORKER)],
)
def test_heavy_modules_wait_for_their_first_use(module: str, watched: tuple[str, ...]) -> None:
    assert loaded(module, watched) == [], f"import {module} loads them"
