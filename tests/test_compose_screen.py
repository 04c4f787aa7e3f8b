"""The compose screen and the Outbox view, driven with the Pilot as a user would.

Each test hosts the screen in a tiny App on the demo mailbox at a fixed clock, and
checks what reaches the cache: the queued bytes, parsed back, and the saved drafts.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static, TextArea

from tests.app_helpers import FIXED_NOW, burst, demo_app
from tui.core.mail.compose import Draft, Identity, format_address
from tui.core.mail.new_drafts import new_draft, reply_draft
from tui.core.store import outbox
from tui.core.store.cache import Cache
from tui.screens import compose as compose_module
from tui.screens.compose import Choice, ComposeScreen
from tui.screens.outbox import OutboxChoice, OutboxScreen
from tui.widgets.address_input import address_book

SIZES = [(80, 24), (120, 40)]
HOSTILE = "[@click=app.quit]x[/]"


class Host(App[None]):
    """Shows one screen and keeps what it dismissed with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.hosted = screen
        self.result: object = "pending"

    def on_mount(self) -> None:
        self.push_screen(self.hosted, self._done)

    def _done(self, result: object) -> None:
        self.result = result


def first_inbox_raw(cache: Cache) -> tuple[int, bytes]:
    uid = cache.page("INBOX", 0, 1)[0].uid
    raw = cache.body("INBOX", uid)
    assert raw is not None
    return uid, raw


def parsed(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    return msg


def error_text(screen: Screen[Any], field: str) -> str:
    error = screen.query_one(f"#{field}-error", Static)
    return str(error.render()) if error.display else ""


async def type_into(pilot: Any, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.focus()
    await pilot.pause()
    if isinstance(widget, TextArea):
        widget.insert(text)
    else:
        await pilot.press(*text)


# --- writing and sending --------------------------------------------------------------


async def test_new_message_is_queued_with_the_right_bytes(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, ComposeScreen)
        assert screen.focused is screen.query_one("#to", Input)
        screen.query_one("#to", Input).value = "Jean Dupont <jean.dupont@ac-dijon.fr>"
        screen.query_one("#cc", Input).value = "secretariat@ac-dijon.fr"
        await type_into(pilot, "#subject", "Réunion des élèves")
        screen.query_one("#body", TextArea).text = "Bonjour,\nà demain, côté préau.\n"
        await pilot.press("ctrl+s")
        await pilot.pause()
    rows = outbox.pending(cache)
    assert len(rows) == 1 and app.result == rows[0].id
    msg = parsed(rows[0].raw)
    assert msg["Subject"] == "Réunion des élèves"
    assert msg["To"].addresses[0].addr_spec == "jean.dupont@ac-dijon.fr"
    assert msg["To"].addresses[0].display_name == "Jean Dupont"
    assert msg["Cc"].addresses[0].addr_spec == "secretariat@ac-dijon.fr"
    assert msg["From"].addresses[0].addr_spec == identity.email
    assert "à demain, côté préau." in msg.get_content()
    assert outbox.load_drafts(cache) == []


async def test_bad_address_is_explained_and_nothing_is_queued(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.query_one("#to", Input).value = "jean.dupont@ac-dijon.fr"
        await type_into(pilot, "#cc", "marie.durand")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "il manque « @ »" in error_text(screen, "cc")
        assert outbox.pending(cache) == []
        assert error_text(screen, "to") == ""
        assert screen.focused is screen.query_one("#cc", Input)
        # Fixing it clears the message and sends.
        screen.query_one("#cc", Input).value = "marie.durand@ac-dijon.fr"
        await pilot.pause()
        assert error_text(screen, "cc") == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.result, int)
    assert len(outbox.pending(cache)) == 1


async def test_no_recipient_is_refused(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Indiquez au moins un destinataire." in error_text(app.screen, "to")
    assert outbox.pending(cache) == []


async def test_demo_mode_says_the_message_stays_in_the_outbox(demo) -> None:
    identity, cache = demo
    draft = Draft(to="jean.dupont@ac-dijon.fr", subject="Essai", body="x")
    app = Host(ComposeScreen(identity, draft, cache, demo=True))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
    assert "Mode démonstration : le message reste dans la boîte d'envoi." in messages
    assert len(outbox.pending(cache)) == 1


async def test_reply_has_re_and_french_attribution(demo) -> None:
    identity, cache = demo
    uid, raw = first_inbox_raw(cache)
    draft = reply_draft(identity, raw, folder="INBOX", uid=uid)
    app = Host(ComposeScreen(identity, draft, cache, original_raw=raw))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#subject", Input).value.startswith("Re: ")
        body = screen.query_one("#body", TextArea)
        assert screen.focused is body
        assert body.text.startswith("Le 23 novembre 2026 à ")
        assert " a écrit :\n> " in body.text
        # The cursor waits below the quote, where the answer goes.
        assert body.cursor_location[0] > 1
        body.insert("D'accord pour le 3.")
        await pilot.press("ctrl+s")
        await pilot.pause()
    msg = parsed(outbox.pending(cache)[0].raw)
    original = parsed(raw)
    assert msg["In-Reply-To"] == original["Message-ID"]
    assert msg["Subject"].startswith("Re: ")
    assert "D'accord pour le 3." in msg.get_content()


# --- drafts and closing ---------------------------------------------------------------


async def test_autosave_then_reopened_draft_restores_fields(
    demo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    identity, cache = demo
    monkeypatch.setattr(compose_module, "AUTOSAVE_SECONDS", 0.05)
    attachment = tmp_path / "programme.pdf"
    attachment.write_bytes(b"%PDF-1.4 " * 100)
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert outbox.load_drafts(cache) == []  # nothing typed, nothing saved
        screen.query_one("#to", Input).value = "jean.dupont@ac-dijon.fr"
        screen.query_one("#bcc", Input).value = "archives@ac-dijon.fr"
        screen.query_one("#subject", Input).value = "Sortie scolaire"
        screen.query_one("#body", TextArea).text = "Départ à 8 h."
        screen.attachments.append(str(attachment))
        await pilot.pause(0.3)
        drafts = outbox.load_drafts(cache)
        assert len(drafts) == 1 and drafts[0][0] == screen.draft_id
        # Later changes update the same draft, they do not pile up new ones.
        screen.query_one("#subject", Input).value = "Sortie scolaire (jeudi)"
        await pilot.pause(0.3)
        drafts = outbox.load_drafts(cache)
        assert len(drafts) == 1 and drafts[0][1].subject == "Sortie scolaire (jeudi)"
    # The app went away without a decision: what was typed is still there.
    draft_id, draft = outbox.load_drafts(cache)[0]
    app = Host(ComposeScreen(identity, draft, cache, draft_id=draft_id))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.query_one("#to", Input).value == "jean.dupont@ac-dijon.fr"
        assert screen.query_one("#bcc", Input).value == "archives@ac-dijon.fr"
        assert screen.query_one("#subject", Input).value == "Sortie scolaire (jeudi)"
        assert screen.query_one("#body", TextArea).text == "Départ à 8 h."
        assert screen.query_one("#attachments", OptionList).option_count == 1
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert outbox.load_drafts(cache) == []  # sending removes the draft
    msg = parsed(outbox.pending(cache)[0].raw)
    assert [part.get_filename() for part in msg.iter_attachments()] == ["programme.pdf"]


async def test_quitting_the_app_keeps_what_was_typed(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#subject", "Avant la coupure")
        await pilot.press("enter")  # Enter goes on to the next field
        assert app.screen.focused is app.screen.query_one("#body", TextArea)
    assert [d.subject for _i, d in outbox.load_drafts(cache)] == ["Avant la coupure"]


async def test_save_key_stores_the_draft(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#subject", Input).value = "Brouillon"
        await pilot.press("ctrl+d")
        await pilot.pause()
        assert [d.subject for _i, d in outbox.load_drafts(cache)] == ["Brouillon"]
        await pilot.press("escape")  # saved once, but changed since opening: still asks
        await pilot.pause()
        assert isinstance(app.screen, Choice)


class DraftHost(Host):
    """Keeps the « save to the server » requests the screen sends up to the app."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__(screen)
        self.to_server: list[ComposeScreen.SaveToServer] = []

    def on_compose_screen_save_to_server(self, message: ComposeScreen.SaveToServer) -> None:
        self.to_server.append(message)


async def test_save_to_server_saves_here_first_and_hands_over_the_message(demo) -> None:
    identity, cache = demo
    app = DraftHost(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#subject", "Projet à relire")
        await pilot.press("ctrl+g")  # no recipient yet: fine for a draft
        await pilot.pause()
        assert isinstance(app.screen, ComposeScreen)  # still writing
        (request,) = app.to_server
    assert dict(outbox.load_drafts(cache))[request.draft_id].subject == "Projet à relire"
    msg = parsed(request.raw)
    assert msg["Subject"] == "Projet à relire" and "To" not in msg
    assert msg["From"].addresses[0].addr_spec == identity.email


async def test_save_to_server_with_a_bad_address_says_which(demo) -> None:
    identity, cache = demo
    app = DraftHost(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#to", "jean.dupont")
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert "il manque « @ »" in error_text(app.screen, "to")
        assert app.to_server == []


async def test_save_to_server_in_the_demo_says_it_stays_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with demo_app(monkeypatch) as app:
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("ctrl+g")
            await pilot.pause()
            assert isinstance(app.screen, ComposeScreen)
            texts = [n.message for n in app._notifications]
            assert any("le brouillon reste sur cet ordinateur" in t for t in texts)


async def test_escape_with_changes_asks_and_save_keeps_the_draft(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "#subject", "Conseil de classe")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        assert "Enregistrer le brouillon ?" in str(app.screen.query_one("#choice-title").render())
        await pilot.press("escape")  # Annuler: back to writing
        await pilot.pause()
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#save")
        await pilot.pause()
        assert app.result is None
    assert [d.subject for _i, d in outbox.load_drafts(cache)] == ["Conseil de classe"]


async def test_abandon_removes_the_autosaved_draft(demo, monkeypatch: pytest.MonkeyPatch) -> None:
    identity, cache = demo
    monkeypatch.setattr(compose_module, "AUTOSAVE_SECONDS", 0.05)
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#subject", Input).value = "À jeter"
        await pilot.pause(0.3)
        assert len(outbox.load_drafts(cache)) == 1
        await pilot.press("escape")
        await pilot.pause()
        await pilot.click("#discard")
        await pilot.pause()
        assert app.result is None
    assert outbox.load_drafts(cache) == []


async def test_escape_without_changes_closes_at_once(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None
    assert outbox.load_drafts(cache) == []


# --- attachments ----------------------------------------------------------------------


async def test_attachment_added_by_path_is_listed_with_its_size(demo, tmp_path: Path) -> None:
    identity, cache = demo
    (tmp_path / "compte-rendu.pdf").write_bytes(b"x" * 2048)
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("ctrl+o")
        await pilot.pause()
        path_input = screen.query_one("#attach-path", Input)
        assert screen.focused is path_input
        path_input.value = str(tmp_path) + "/compte"
        await pilot.pause(0.2)
        await pilot.press("tab")  # accept the path completion, as the hint says
        assert path_input.value == str(tmp_path / "compte-rendu.pdf")
        assert screen.focused is path_input  # still there, to add it with Enter
        await pilot.press("enter")
        await pilot.pause()
        options = screen.query_one("#attachments", OptionList)
        assert options.display and options.option_count == 1
        label = str(options.get_option_at_index(0).prompt)
        assert "compte-rendu.pdf" in label and "2,0 Ko" in label
        options.focus()
        options.highlighted = 0
        await pilot.press("delete")
        await pilot.pause()
        assert screen.attachments == [] and not options.display


async def test_missing_file_is_refused(demo, tmp_path: Path) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+o")
        app.screen.query_one("#attach-path", Input).value = str(tmp_path / "absent.pdf")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.attachments == []
        assert any("Fichier introuvable" in n.message for n in app._notifications)


async def test_large_attachments_warn_before_sending(demo, tmp_path: Path) -> None:
    identity, cache = demo
    big = tmp_path / "video.mp4"
    with big.open("wb") as file:
        file.truncate(9 * 1024 * 1024)  # 12 MB once base64-encoded
    draft = Draft(to="jean.dupont@ac-dijon.fr", subject="Vidéo", attachments=[str(big)])
    app = Host(ComposeScreen(identity, draft, cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        assert "risque d'être refusé" in str(app.screen.query("Static")[1].render())
        await pilot.press("escape")
        await pilot.pause()
        assert outbox.pending(cache) == []
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("enter")  # « Envoyer quand même » has the focus
        await pilot.pause()
        assert isinstance(app.result, int)
    assert len(outbox.pending(cache)) == 1


# --- hostile data and completion ------------------------------------------------------


def hostile_original() -> bytes:
    # A bidi override after the subject: it must not reach the screen.
    return (
        "From: =?utf-8?q?Pirate?= <pirate@exemple.fr>\r\n"
        "To: marie.durand@ac-dijon.fr\r\n"
        f"Subject: {HOSTILE}\u202e\r\n"
        "Message-ID: <hostile@exemple.fr>\r\n"
        "Date: Mon, 23 Nov 2026 09:14:00 +0000\r\n"
        "\r\n"
        f"Cliquez {HOSTILE}\r\n"
    ).encode()


async def test_hostile_subject_is_shown_literally(demo, tmp_path: Path) -> None:
    identity, cache = demo
    raw = hostile_original()
    name = tmp_path / "[@click=app.quit]x[b].pdf"  # no "/" in a file name
    name.write_bytes(b"%PDF")
    draft = reply_draft(identity, raw)
    draft.attachments = [str(name)]
    app = Host(ComposeScreen(identity, draft, cache, original_raw=raw))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        subject = screen.query_one("#subject", Input)
        assert subject.value == f"Re: {HOSTILE}"
        option = screen.query_one("#attachments", OptionList).get_option_at_index(0)
        assert "[@click=app.quit]x[b].pdf" in str(option.prompt)
        assert HOSTILE in screen.query_one("#body", TextArea).text
        # Clicking on the data runs nothing: the app is still there.
        await pilot.click("#subject")
        await pilot.click("#attachments")
        await pilot.pause()
        assert app.is_running and app.screen is screen
        shown = "".join(segment.text for segment in subject.render_line(0))
        assert f"Re: {HOSTILE}" in shown


async def test_address_completion_from_the_cache(demo) -> None:
    identity, cache = demo
    sender = cache.page("INBOX", 0, 1)[0]
    typed = sender.sender_address.split("@")[0]
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        to = app.screen.query_one("#to", Input)
        to.value = "collegue@ac-dijon.fr, " + typed
        to.cursor_position = len(to.value)
        await pilot.pause(0.2)
        await pilot.press("right")
        assert to.value == "collegue@ac-dijon.fr, " + format_address(
            sender.sender_name, sender.sender_address
        )


async def test_tab_takes_the_completion_then_moves_on(demo) -> None:
    """Issue #17: Tab on a suggestion dropped it and left « soph »."""
    identity, cache = demo
    sender = cache.page("INBOX", 0, 1)[0]
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        to = app.screen.query_one("#to", Input)
        to.focus()
        await pilot.press(*sender.sender_address.split("@")[0])
        await pilot.pause(0.2)
        await pilot.press("tab")
        assert to.value == format_address(sender.sender_name, sender.sender_address)
        assert app.focused is app.screen.query_one("#cc", Input)


async def test_completion_by_name_and_of_addresses_written_to(demo) -> None:
    _identity, cache = demo
    suggester = compose_module.AddressSuggester(cache)
    await suggester.ready()
    person = next(p for p in address_book(cache) if p.name)
    assert suggester.completion(person.name.lower()) == format_address(person.name, person.address)
    suggester.remember([("Zoé Nouvelle", "zoe.nouvelle@ac-dijon.fr")])
    assert suggester.completion("zoe") == "Zoé Nouvelle <zoe.nouvelle@ac-dijon.fr>"
    assert await suggester.get_suggestion("x") is None


# --- external editor ------------------------------------------------------------------


async def test_editor_replaces_the_body(
    demo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    identity, cache = demo
    script = tmp_path / "editeur.sh"
    script.write_text('#!/bin/sh\nprintf "Écrit dans l\'éditeur\\n" >> "$1"\n')
    script.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.setattr(App, "suspend", lambda self: contextlib.nullcontext())
    draft = Draft(body="Bonjour,\n")
    app = Host(ComposeScreen(identity, draft, cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert app.screen.query_one("#body", TextArea).text == ("Bonjour,\nÉcrit dans l'éditeur\n")
    assert not list(Path(compose_module.tempfile.gettempdir()).glob("courriel-*.txt"))


async def test_editor_unset_is_said_clearly(demo, monkeypatch: pytest.MonkeyPatch) -> None:
    identity, cache = demo
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
    app = Host(ComposeScreen(identity, Draft(body="texte"), cache))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+e")
        await pilot.pause()
        assert any("EDITOR" in n.message for n in app._notifications)
        assert app.screen.query_one("#body", TextArea).text == "texte"


# --- the Outbox view ------------------------------------------------------------------


def fill_outbox(identity: Identity, cache: Cache) -> tuple[int, int]:
    queued = outbox.send_draft(
        cache, identity, Draft(to="jean.dupont@ac-dijon.fr", subject=HOSTILE, body="a")
    )
    held = outbox.send_draft(
        cache,
        identity,
        Draft(to="inconnu@ac-dijon.fr", subject="Notes du trimestre", body="b"),
    )
    outbox.set_status(
        cache, held, outbox.HELD, "Le serveur a refusé le destinataire inconnu@ac-dijon.fr."
    )
    with cache.transaction() as db:  # a fixed time, for the snapshots
        db.execute("UPDATE outbox SET created = ?", (FIXED_NOW.timestamp() - 600,))
    return queued, held


async def test_outbox_lists_and_retries(demo) -> None:
    identity, cache = demo
    _queued, held = fill_outbox(identity, cache)
    app = Host(OutboxScreen(cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert "2 messages en attente" in str(screen.query_one("#outbox-title").render())
        assert screen.check_action("edit", ()) is None  # the first one is not held
        await pilot.press("down")
        assert "refusé le destinataire" in str(screen.query_one("#outbox-detail").render())
        assert screen.check_action("edit", ()) is True
        await pilot.press("r")
        await pilot.pause()
    assert app.result == OutboxChoice("retry", held)
    assert {row.id: row.status for row in outbox.pending(cache)}[held] == outbox.QUEUED


async def test_sent_waiting_for_its_copy_is_not_shown_as_unsent(demo) -> None:
    identity, cache = demo
    queued, held = fill_outbox(identity, cache)
    outbox.set_status(cache, queued, outbox.SENT)  # accepted; the copy to Sent is owed
    outbox.retry(cache, queued)  # a stale retry never puts it back in line
    app = Host(OutboxScreen(cache))
    async with app.run_test(size=(80, 24)):
        assert "1 message en attente" in str(app.screen.query_one("#outbox-title").render())
    assert [row.id for row in outbox.pending(cache)] == [held]
    assert [row.status for row in outbox.unfiled(cache)] == [outbox.SENT]


async def test_outbox_discard_asks_first(demo) -> None:
    identity, cache = demo
    queued, held = fill_outbox(identity, cache)
    app = Host(OutboxScreen(cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, Choice)
        assert HOSTILE in str(app.screen.query("Static")[1].render())
        await pilot.press("escape")
        await pilot.pause()
        assert len(outbox.pending(cache)) == 2
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
    assert app.result == OutboxChoice("discard", queued)
    assert [row.id for row in outbox.pending(cache)] == [held]


async def test_outbox_edit_held_makes_a_draft(demo) -> None:
    identity, cache = demo
    _queued, held = fill_outbox(identity, cache)
    app = Host(OutboxScreen(cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "e")
        await pilot.pause()
    assert isinstance(app.result, OutboxChoice) and app.result.action == "edit"
    drafts = dict(outbox.load_drafts(cache))
    assert drafts[app.result.draft_id].subject == "Notes du trimestre"
    assert [row.id for row in outbox.pending(cache)] != [held]


# --- snapshots ------------------------------------------------------------------------


def no_blink(pilot: Any) -> None:
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_new_message(snap_compare, demo, tmp_path: Path, size: tuple[int, int]) -> None:
    identity, cache = demo
    attachment = tmp_path / "ordre-du-jour.pdf"
    attachment.write_bytes(b"%PDF-1.4\n" * 1400)
    identity = Identity(identity.display_name, identity.email, "Marie Durand\nCollège Carnot")
    draft = new_draft(identity, to="Jean Dupont <jean.dupont@ac-dijon.fr>")
    draft.cc = "secretariat@ac-dijon.fr"
    draft.subject = "Conseil pédagogique : ordre du jour"
    draft.body = "Bonjour Jean,\n\nVoici l'ordre du jour du 3 décembre.\n" + draft.body
    draft.attachments = [str(attachment)]
    app = Host(ComposeScreen(identity, draft, cache))
    assert snap_compare(app, terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_reply(snap_compare, demo, size: tuple[int, int]) -> None:
    identity, cache = demo
    uid, raw = first_inbox_raw(cache)
    app = Host(ComposeScreen(identity, reply_draft(identity, raw, uid=uid), cache, demo=True))
    assert snap_compare(app, terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_outbox(snap_compare, demo, size: tuple[int, int]) -> None:
    identity, cache = demo
    fill_outbox(identity, cache)
    app = Host(OutboxScreen(cache))
    assert snap_compare(app, terminal_size=size, press=["down"])


# --- a full or read-only disk (#24) --------------------------------------------------


def fill_the_store(cache: Cache) -> None:
    """The user's store can grow no more: SQLite answers SQLITE_FULL, as on a full disk."""
    pages = cache._db.execute("PRAGMA durable.page_count").fetchone()[0]
    cache._db.execute(f"PRAGMA durable.max_page_count = {pages}")


def unwritable(cache: Cache, how: str) -> None:
    """A full disk (SQLITE_FULL) or read-only files (SQLITE_READONLY, as with 0444
    files: root ignores file modes, so the connection is made query_only)."""
    if how == "full":
        fill_the_store(cache)
    else:
        cache._db.execute("PRAGMA query_only = 1")


def writable(cache: Cache) -> None:
    cache._db.execute("PRAGMA query_only = 0")
    cache._db.execute("PRAGMA durable.max_page_count = 1073741823")


@pytest.mark.parametrize(
    ("how", "reason"), [("full", "disque plein"), ("readonly", "lecture seule")]
)
async def test_a_full_disk_keeps_the_text_and_says_so(
    demo, monkeypatch, how: str, reason: str
) -> None:
    """Autosave, Ctrl+D, Échap → Enregistrer and Ctrl+S used to crash with « database or
    disk is full » and lose the text: now the screen stays, says why in French, and saves
    by itself once there is room again."""
    identity, cache = demo
    monkeypatch.setattr(compose_module, "AUTOSAVE_SECONDS", 0.05)
    unwritable(cache, how)
    body = "Ordre du jour du conseil pédagogique. " * 4000  # 150 KB: more than is free
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.query_one("#to", Input).value = "jean.dupont@ac-dijon.fr"
        screen.query_one("#subject", Input).value = "Conseil"
        screen.query_one("#body", TextArea).text = body
        await pilot.pause(0.3)  # several autosaves fail
        told = [n.message for n in app._notifications]
        assert len(told) == 1 and reason in told[0], told  # said once, not each time
        assert str(cache.durable_path) in told[0]
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, Choice)  # « Envoyer sans la boîte d'envoi ? »
        await pilot.press("escape")  # no: keep writing
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, Choice)  # « Enregistrer le brouillon ? »
        await pilot.press("enter")  # Enregistrer: fails, so the screen stays
        await pilot.pause()
        told = [n.message for n in app._notifications]
        assert any("boîte d'envoi" in text for text in told), told  # Ctrl+S said so
        assert app.screen is screen and app.result == "pending"  # still open
        assert screen.query_one("#body", TextArea).text == body  # nothing typed is lost
        assert outbox.load_drafts(cache) == [] and outbox.pending(cache) == []
        writable(cache)  # room again
        await pilot.pause(0.3)
        drafts = outbox.load_drafts(cache)
        assert len(drafts) == 1 and drafts[0][1].body == body


# --- typing ahead, as SSH delivers it (#24) ------------------------------------------


async def test_keys_typed_ahead_go_to_the_field_they_were_typed_for(demo) -> None:
    """The address, Enter ×3, the subject, Enter and the body in one burst: the To
    field became « marie.durand@ac-dijon.frObjet 0 » and the body went into Objet."""
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.pause()
        burst(app, "marie.durand@ac-dijon.fr", "enter", "enter", "enter", "Objet 0", "enter")
        burst(app, "Bonjour Marie,")
        await pilot.pause(0.3)
        assert screen.query_one("#to", Input).value == "marie.durand@ac-dijon.fr"
        assert screen.query_one("#cc", Input).value == ""
        assert screen.query_one("#bcc", Input).value == ""
        assert screen.query_one("#subject", Input).value == "Objet 0"
        assert screen.query_one("#body", TextArea).text.startswith("Bonjour Marie,")


async def test_tab_typed_ahead_moves_before_the_next_keys(demo) -> None:
    identity, cache = demo
    app = Host(ComposeScreen(identity, new_draft(identity), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.pause()
        burst(app, "marie.durand@ac-dijon.fr", "tab", "paul@ac-dijon.fr", "shift+tab", "x")
        await pilot.pause(0.3)
        assert screen.query_one("#to", Input).value == "marie.durand@ac-dijon.frx"
        assert screen.query_one("#cc", Input).value == "paul@ac-dijon.fr"


class DirectHost(Host):
    """Answers the compose screen's direct send as the app would, without a network."""

    def __init__(self, screen: Screen[Any], outcome: str | None) -> None:
        super().__init__(screen)
        self.outcome = outcome
        self.sent: list[bytes] = []

    def on_compose_screen_send_direct(self, message: ComposeScreen.SendDirect) -> None:
        self.sent.append(message.raw)
        if self.outcome is None:
            message.compose_screen.direct_sent()
        else:
            message.compose_screen.direct_failed(self.outcome)


@pytest.mark.parametrize("outcome", [None, "Le serveur a refusé le destinataire."])
async def test_a_full_disk_still_lets_the_message_leave(
    demo, outcome: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #24: « sending still works if the network does »: the outbox cannot be
    written, so the screen offers to send directly; it closes only if the message left.
    Quitting with it unsent and the disk still full leaves the text in a private file."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    identity, cache = demo
    fill_the_store(cache)
    body = "Ordre du jour du conseil pédagogique. " * 4000
    draft = replace(new_draft(identity), bcc="archives@ac-dijon.fr")
    app = DirectHost(ComposeScreen(identity, draft, cache), outcome)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.query_one("#to", Input).value = "jean.dupont@ac-dijon.fr"
        screen.query_one("#subject", Input).value = "Conseil"
        screen.query_one("#body", TextArea).text = body
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, Choice)  # « Envoyer sans la boîte d'envoi ? »
        await pilot.press("enter")  # Envoyer directement
        await pilot.pause(0.2)
        assert len(app.sent) == 1 and parsed(app.sent[0])["Subject"] == "Conseil"
        if outcome is None:
            assert app.result is None and app.screen is not screen  # closed: it left
        else:
            assert app.screen is screen and app.result == "pending"
            assert screen.query_one("#body", TextArea).text == body  # nothing lost
            assert any(outcome in n.message for n in app._notifications)
    assert outbox.pending(cache) == []  # never queued: it cannot be sent twice
    rescued = list(tmp_path.glob("brouillon-non-enregistre-*.txt"))
    if outcome is None:
        assert rescued == []
    else:
        (file,) = rescued
        rescued_text = file.read_text(encoding="utf-8")
        assert body in rescued_text and "Bcc: archives@ac-dijon.fr" in rescued_text
        assert file.stat().st_mode & 0o077 == 0


async def test_the_last_words_typed_before_ctrl_s_are_sent(demo) -> None:
    """Review of #24: Ctrl+S was read before the keys typed ahead of it reached the body:
    « Derniers mots. » was missing from the queued message."""
    identity, cache = demo
    app = Host(ComposeScreen(identity, replace(new_draft(identity), to="paul@ac-dijon.fr"), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.focused, TextArea)  # the body: the recipient is there
        burst(app, "Premier paragraphe. ")
        await pilot.pause()
        burst(app, "Derniers mots.", "ctrl+s")
        await pilot.pause(0.3)
    (row,) = outbox.pending(cache)
    assert "Premier paragraphe. Derniers mots." in parsed(row.raw).get_content()


async def test_ctrl_s_twice_in_a_burst_sends_once(demo) -> None:
    """Second review of #24: the second Ctrl+S ran at once while the first waited
    behind the typed keys: two messages queued, and the mailbox screen popped."""
    identity, cache = demo
    app = Host(ComposeScreen(identity, replace(new_draft(identity), to="paul@ac-dijon.fr"), cache))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        burst(app, "Merci", "ctrl+s", "ctrl+s")
        await pilot.pause(0.3)
        assert app.result is not None and app.result != "pending"  # dismissed, once
    assert len(outbox.pending(cache)) == 1
