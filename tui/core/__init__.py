"""Protocol and data layer. Never imports textual or rich (tests/test_layers.py enforces it)."""

from tui.core.net import imapversion

imapversion.install()  # before any module here imports imapclient (see imapversion)
