"""Desktop notifications through the terminal (#20): OSC 9 / OSC 777, hostile text kept
inside the sequence, quiet hours respected, off by default."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import Bed
from tests.test_mailbox_server import running
from tui import notifications
from tui.config import defaults
from tui.notifications import kind_for, new_mail_text, sequence


def test_off_by_default() -> None:
    assert defaults()["ui"]["notify"] == "off"
    assert kind_for("off", {"VTE_VERSION": "7600"}) is None


def test_auto_guesses_from_the_terminal() -> None:
    assert kind_for("auto", {"VTE_VERSION": "7600", "TERM": "xterm-256color"}) == "osc777"
    assert kind_for("auto", {"TERM": "rxvt-unicode-256color"}) == "osc777"
    assert kind_for("auto", {"TERM": "xterm-kitty"}) == "osc9"
    assert kind_for("osc777", {"TERM": "xterm-kitty"}) == "osc777"


def test_the_two_sequences() -> None:
    assert sequence("osc9", "Titre", "Corps") == "\x1b]9;Titre : Corps\x1b\\"
    assert sequence("osc777", "Titre", "Corps") == "\x1b]777;notify;Titre;Corps\x1b\\"


def test_inside_tmux_it_is_wrapped_for_passthrough() -> None:
    wrapped = sequence("osc9", "T", "B", tmux=True)
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;T : B\x1b\x1b\\\x1b\\"


HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x9c\x9d8;;http://x\x1b\\\u202eevil;more\r\nnext"


@pytest.mark.parametrize("kind", ["osc9", "osc777"])
def test_a_hostile_sender_and_subject_cannot_end_the_sequence(kind: str) -> None:
    seq = sequence(kind, "courriel : 1 nouveau message", f"{HOSTILE} — {HOSTILE}")
    head, payload, tail = seq[:4], seq[4:-2], seq[-2:]
    assert tail == "\x1b\\"
    assert all(c.isprintable() for c in payload), repr(payload)
    assert "\u202e" not in payload  # no bidi override to disguise the text
    if kind == "osc777":
        assert payload.count(";") == 3  # 777;notify;title;body: the body adds none
    assert head.startswith("\x1b]")


@given(st.text(max_size=400), st.text(max_size=400), st.sampled_from(["osc9", "osc777"]))
def test_any_text_gives_one_bounded_sequence(title: str, body: str, kind: str) -> None:
    seq = sequence(kind, title, body)
    inner = seq[2:-2]
    assert "\x1b" not in inner and "\x07" not in inner and "\x9c" not in inner
    assert len(inner) <= 2 * notifications.MAX_FIELD + 20


def test_the_text_says_how_many_and_the_newest() -> None:
    assert new_mail_text(1, "Marie Durand", "Conseil de classe") == (
        "courriel : 1 nouveau message",
        "Marie Durand — Conseil de classe",
    )
    assert new_mail_text(3, "Marie Durand", "")[0] == "courriel : 3 nouveaux messages"


@pytest.mark.server
async def test_new_mail_raises_a_notification_with_sender_and_subject(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app_server import message

    monkeypatch.delenv("TMUX", raising=False)
    settings = {"ui": {"notify": "osc777"}}
    async with running(bed, tmp_path, monkeypatch, 1, settings=settings) as run:
        written: list[str] = []
        monkeypatch.setattr(run.app, "terminal_write", written.append)
        bed.dovecot.deliver(run.user.username, message(2))
        await run.pilot.press("f5")
        await run.wait(lambda: bool(written))
        assert re.fullmatch(
            "\x1b\\]777;notify;courriel : 1 nouveau message;Collègue 2 — Sujet 2\x1b\\\\",
            written[0],
        ), written


@pytest.mark.server
async def test_no_notification_in_quiet_hours(
    bed: Bed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_app_server import message

    settings = {"ui": {"notify": "osc9", "quiet_hours": "00:00-23:59", "bell": True}}
    async with running(bed, tmp_path, monkeypatch, 1, settings=settings) as run:
        written: list[str] = []
        bells: list[int] = []
        monkeypatch.setattr(run.app, "terminal_write", written.append)
        monkeypatch.setattr(run.app, "bell", lambda: bells.append(1))
        bed.dovecot.deliver(run.user.username, message(2))
        await run.pilot.press("f5")
        await run.wait(lambda: run.messages.total == 2)
        await run.pilot.pause()
        assert written == [] and bells == []
