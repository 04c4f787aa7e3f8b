"""Desktop notifications through the terminal (#20): OSC 9 or OSC 777, which cross SSH.

The terminal, not courriel, shows the notification, so it works on the machine the user
sits at even when courriel runs on a server. Which sequence a terminal understands is
not something it announces: `[ui] notify = "auto"` guesses from the environment (VTE
terminals and urxvt take OSC 777; iTerm2, Windows Terminal, kitty, WezTerm, foot and
Ghostty take OSC 9), "osc9" / "osc777" say it outright. Inside tmux the sequence is
wrapped for tmux to pass on (it needs `set -g allow-passthrough on`).

The sender and subject come from a message: hostile. Only printable characters go into
the sequence (no ESC, BEL or ST can end it early and start another), the separators of
OSC 777 are removed, and each field is cut short.
"""

from __future__ import annotations

from collections.abc import Mapping

from tui.core.i18n import _, ngettext

MAX_FIELD = 120  # characters of a title or body: a notification is one glance
CHOICES = ("off", "auto", "osc9", "osc777")


def kind_for(setting: str, environ: Mapping[str, str]) -> str | None:
    """The sequence to send, "osc9" or "osc777", or None when notifications are off."""
    if setting in ("osc9", "osc777"):
        return setting
    if setting != "auto":
        return None
    term = environ.get("TERM", "")
    if environ.get("VTE_VERSION") or term.startswith("rxvt"):
        return "osc777"
    return "osc9"


def _field(text: str, *, separators: bool) -> str:
    kept = "".join(c for c in text if c.isprintable())
    if separators:
        kept = kept.replace(";", ",")
    kept = " ".join(kept.split())
    return kept if len(kept) <= MAX_FIELD else kept[: MAX_FIELD - 1] + "…"


def sequence(kind: str, title: str, body: str, *, tmux: bool = False) -> str:
    """The escape sequence that asks the terminal for a notification."""
    if kind == "osc777":
        title, body = _field(title, separators=True), _field(body, separators=True)
        seq = f"\x1b]777;notify;{title};{body}\x1b\\"
    else:
        # OSC 9 has one text. ConEmu reads « 9;4;… » as a command: the text starts
        # with the title, never with a digit from the message.
        text = _field(f"{title} : {body}", separators=False)
        seq = f"\x1b]9;{text}\x1b\\"
    if tmux:  # tmux passes on what is wrapped in its DCS, every ESC doubled
        seq = "\x1bPtmux;" + seq.replace("\x1b", "\x1b\x1b") + "\x1b\\"
    return seq


def new_mail_text(count: int, sender: str, subject: str) -> tuple[str, str]:
    """Title and body of the notification: the newest message, and how many came."""
    title = ngettext("courriel : {n} nouveau message", "courriel : {n} nouveaux messages", count)
    body = f"{sender} — {subject}" if subject else sender
    return title.format(n=count), body or _("(sans objet)")
