"""An attachment's Content-Type is shown (reader, picker, `courriel show`): the email
package keeps escape sequences and C1 controls in it, and they reached the terminal
(found by review, session 12)."""

from __future__ import annotations

import re

from tui.account import reader_view
from tui.core.mail.formatting import attachment_kind
from tui.core.mail.mime import parse_message

CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

RAW = (
    b"From: a@b.fr\r\nTo: c@d.fr\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n"
    b"--BB\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
    b"--BB\r\nContent-Type: application/x\x1b]0;pwn\x07/zz; name=a.bin\r\n"
    b"Content-Disposition: attachment; filename=a.bin\r\n\r\nAAAA\r\n"
    b"--BB\r\nContent-Type: image/p\x1b[2J\xc2\x9bng; name=b.png\r\n"
    b"Content-Disposition: attachment; filename=b.png\r\n\r\nAAAA\r\n--BB--\r\n"
)


def test_reader_attachment_lines_have_no_control_characters() -> None:
    view = reader_view(parse_message(RAW))
    assert len(view.attachments) == 2
    for line in view.attachments:
        assert not CONTROLS.search(line), repr(line)


def test_show_attachment_lines_have_no_control_characters() -> None:
    from tui.show import render

    text = render(parse_message(RAW))
    assert not CONTROLS.search(text.replace("\n", "")), repr(text)


def test_the_kind_of_any_type_is_printable() -> None:
    assert not CONTROLS.search(attachment_kind("image/p\x1b[2J\x9bng"))
