"""The compose screen: a new message, a reply or a forward, edited and queued for sending.

The screen edits a core `Draft` and never speaks SMTP: sending builds the message and
writes it to the durable outbox (`outbox.send_draft`), then dismisses with the outbox id
so the app starts the send. Nothing typed is lost: the draft is saved locally every few
seconds when it changed, and when the screen closes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea
from textual.widgets.option_list import Option

from tui.core import logs
from tui.core.errors import MailError
from tui.core.i18n import _
from tui.core.mail.compose import (
    AddressError,
    ComposeError,
    Draft,
    Identity,
    build_message,
    format_address,
    forwarded_attachments,
    parse_address_list,
    size_warning,
    to_bytes,
)
from tui.core.mail.formatting import size_short
from tui.core.mail.mime import Attachment
from tui.core.mail.new_drafts import swap_signature
from tui.core.mail.sanitize import clean_line, clean_text
from tui.core.store import durable, outbox
from tui.core.store.cache import Cache
from tui.screens.choice import Choice
from tui.several import Sender
from tui.widgets.address_input import AddressInput, AddressSuggester
from tui.widgets.footer import Footer

AUTOSAVE_SECONDS = 3.0
ADDRESS_FIELDS = ("to", "cc", "bcc")
HEADER_FIELDS = (*ADDRESS_FIELDS, "subject")  # Enter moves from one to the next


# --- completion ---------------------------------------------------------------------


class PathSuggester(Suggester):
    """Completes a file path, the way a shell does, one entry at a time."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        expanded = Path(os.path.expanduser(value))
        folder, prefix = (expanded, "") if value.endswith("/") else (expanded.parent, expanded.name)
        try:
            entries = sorted(
                e.name + ("/" if e.is_dir() else "")
                for e in folder.iterdir()
                if e.name.startswith(prefix) and (prefix.startswith(".") or e.name[:1] != ".")
            )
        except OSError:
            return None
        if not entries or entries[0] == prefix:
            return None
        return value + entries[0][len(prefix) :]


# --- dialogs ------------------------------------------------------------------------


# --- the screen ---------------------------------------------------------------------


def _title(draft: Draft) -> str:
    titles = {
        "new": _("Nouveau message"),
        "reply": _("Réponse"),
        "reply_all": _("Réponse à tous"),
        "forward": _("Transfert"),
        "forward_attachment": _("Transfert en pièce jointe"),
    }
    return titles.get(draft.kind, titles["new"])


class ComposeScreen(Screen[int | None]):
    """Dismisses with the outbox id of the queued message, or None when closed unsent."""

    CSS_PATH = "compose.tcss"
    AUTO_FOCUS = None  # on_mount chooses: the body of a reply, else « À »

    BINDINGS = [
        Binding("ctrl+s", "send", _("Envoyer"), priority=True, id="compose.send"),
        Binding("ctrl+d", "save", _("Brouillon"), priority=True, id="compose.save"),
        # Not in the footer: at 80 columns it would push « Fermer » out. Help (F1) lists it.
        Binding(
            "ctrl+g",
            "save_to_server",
            _("Enregistrer sur le serveur"),
            show=False,
            priority=True,
            id="compose.save_server",
        ),
        Binding("ctrl+o", "attach", _("Joindre"), priority=True, id="compose.attach"),
        Binding("ctrl+e", "editor", _("Éditeur"), priority=True, id="compose.editor"),
        Binding("delete", "remove_attachment", _("Retirer"), id="compose.remove_attachment"),
        Binding("escape", "close", _("Fermer"), id="compose.close"),
        # Enter in a header field moves on at once, when the key is read, not when the
        # field gets round to it: keys typed ahead over SSH go where they were meant.
        Binding("enter", "next_field", show=False, priority=True, id="compose.next_field"),
        Binding("tab", "next_field(True)", show=False, priority=True, id="compose.tab"),
        Binding("shift+tab", "previous_field", show=False, priority=True, id="compose.back"),
    ]

    class SaveToServer(Message):
        """Put this draft (saved locally first) in the server's Drafts folder."""

        def __init__(self, draft_id: int, raw: bytes, cache: Cache | None = None) -> None:
            super().__init__()
            self.draft_id = draft_id
            self.raw = raw
            self.cache = cache  # whose account: the « De » chosen (#20)

    class SendDirect(Message):
        """Send this message without the outbox, which the disk cannot hold; the app
        answers with `direct_sent` or `direct_failed`."""

        def __init__(self, compose_screen: ComposeScreen, raw: bytes) -> None:
            super().__init__()
            self.compose_screen = compose_screen
            self.raw = raw

    def __init__(
        self,
        identity: Identity,
        draft: Draft,
        cache: Cache,
        *,
        draft_id: int | None = None,
        original_raw: bytes | None = None,
        demo: bool = False,
        senders: Sequence[Sender] = (),
    ) -> None:
        super().__init__()
        self.identity = identity
        # Several accounts (#20): « De » offers them, this screen's own account first.
        self.senders = list(senders)
        # Text copied from a hostile original must not reach the terminal (PITFALLS.md).
        draft = replace(
            draft,
            to=clean_line(draft.to),
            cc=clean_line(draft.cc),
            bcc=clean_line(draft.bcc),
            subject=clean_line(draft.subject),
            body=clean_text(draft.body),
        )
        self.initial = draft
        self.cache = cache
        self.draft_id = draft_id
        self.original_raw = original_raw
        self.demo = demo
        self.attachments: list[str] = list(draft.attachments)
        # An inline forward also sends the original's attachments: listed after the files
        # (in the order they go out), and removable like them.
        self.forward_removed: list[int] = list(draft.forward_removed)
        self._forwardable = forwarded_attachments(replace(draft, forward_removed=[]), original_raw)
        self._opened_id = draft_id
        self._moved_from: tuple[Cache, int] | None = None  # see on_select_changed
        self._opened_json = draft.to_json()
        self._saved_json = self._opened_json
        self._finished = False
        self._save_failing = False  # the last save met a full or read-only disk
        self._waiting = False  # an action waits behind the keys typed ahead of it
        self._latest = draft
        self._size_confirmed = False
        self.suggester = AddressSuggester(cache)

    # --- layout -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        draft = self.initial
        sender = format_address(self.identity.display_name, self.identity.email)
        title = _title(draft)
        if self.demo:
            title += " — " + _("mode démonstration")
        yield Static(Content(title), id="compose-title")
        with Vertical(id="compose-fields"):
            with Horizontal(classes="field"):
                yield Label(_("De"), classes="field-label")
                if len(self.senders) > 1:
                    from tui.screens.compose_from import FromSelector

                    yield FromSelector(self.senders, id="from-account")
                else:
                    yield Static(Content(clean_line(sender)), id="from")
            for name, label, value in (
                ("to", _("À"), draft.to),
                ("cc", _("Cc"), draft.cc),
                ("bcc", _("Cci"), draft.bcc),
            ):
                with Horizontal(classes="field"):
                    yield Label(label, classes="field-label")
                    yield AddressInput(
                        value,
                        _("prenom.nom@ac-dijon.fr, …") if name == "to" else "",
                        suggester=self.suggester,
                        id=name,
                    )
                yield Static(id=f"{name}-error", classes="field-error")
            with Horizontal(classes="field"):
                yield Label(_("Objet"), classes="field-label")
                yield Input(draft.subject, select_on_focus=False, id="subject")
            yield OptionList(id="attachments")
            with Horizontal(classes="field", id="attach-row"):
                yield Label(_("Joindre"), classes="field-label")
                yield Input(
                    placeholder=_("chemin du fichier (Tab complète, Entrée ajoute)"),
                    suggester=PathSuggester(),
                    id="attach-path",
                )
        yield TextArea(draft.body, soft_wrap=True, id="body")
        yield Footer()

    def on_mount(self) -> None:
        self._show_attachments()
        self.query_one("#attach-row").display = False
        # set_focus, not focus(): it takes effect now, not after the keys already typed
        # (a reply's first words went into « À » over SSH), and AUTO_FOCUS is off.
        if self.initial.to:
            body = self.query_one("#body", TextArea)
            self.set_focus(body)
            body.move_cursor((self._writing_line(), 0))
        else:
            self.set_focus(self.query_one("#to", Input))
            # Once the screen is drawn; the completion's index is then built in a thread.
            self.call_after_refresh(self.suggester.warm)
        self.set_interval(AUTOSAVE_SECONDS, self.autosave)

    def on_select_changed(self, event: Select.Changed) -> None:
        """Another « De »: the draft moves to that account's store, and the message
        will leave through its server with its login (#20)."""
        if event.control.id != "from-account" or not isinstance(event.value, int):
            return
        event.stop()
        sender = self.senders[event.value]
        if sender.cache is self.cache:
            return
        old_cache, old_id = self.cache, self.draft_id
        if self._opened_id is not None:
            # A saved draft reopened: it stays where it was until the message is sent or
            # kept, so that « Abandonner » can still give it back as it was (review).
            self._moved_from = (old_cache, self._opened_id)
            old_id = None
        body = self.query_one("#body", TextArea)
        signed = swap_signature(body.text, self.identity, sender.identity)
        if signed != body.text:
            body.load_text(signed)
        self.identity, self.cache = sender.identity, sender.cache
        self.suggester.use(sender.cache)
        self.draft_id = self._opened_id = None
        self._saved_json = ""
        if self.try_save(quiet=True) is not None and old_id is not None:
            with suppress(Exception):  # the new copy is safe; an old one left is harmless
                outbox.delete_draft(old_cache, old_id)

    def _settle_moved_draft(self, *, keep: bool) -> None:
        """The draft reopened in another account's store, left there by a « De »
        change: gone once the message is sent or kept here, given back as it was
        opened when the user abandons."""
        if self._moved_from is None:
            return
        cache, draft_id = self._moved_from
        self._moved_from = None
        try:
            if keep:
                outbox.delete_draft(cache, draft_id)
            else:
                outbox.save_draft(cache, self.initial, draft_id)
        except Exception as exc:  # a leftover copy is harmless; the user's text is kept
            if not durable.write_problem(exc):
                raise

    def _writing_line(self) -> int:
        """Where the user writes: below the quote of a reply, else at the top."""
        if self.initial.kind not in ("reply", "reply_all"):
            return 0
        lines = self.initial.body.split("\n")
        if not lines[0].strip():
            return 0  # quote below the text (or nothing quoted): write at the top
        quoted = [i for i, line in enumerate(lines) if line.startswith(">")]
        return min(quoted[-1] + 2, len(lines) - 1) if quoted else 0

    def on_unmount(self) -> None:
        # The app quit or replaced this screen without a decision: keep what was typed.
        if not self._finished and self.changed_since_save:
            try:
                saved = self.try_save() is not None
            except Exception as exc:  # a corrupt store too: the text must go somewhere
                logs.record(exc, "compose: saving the draft on the way out")
                saved = False
            if not saved:
                self._rescue()

    def _rescue(self) -> None:
        """Quitting with the store unwritable: the text goes to a private file in the
        temporary folder (often another disk), named in the log, rather than nowhere."""
        import logging

        draft = self.current_draft()
        with suppress(OSError):
            handle, name = tempfile.mkstemp(prefix="brouillon-non-enregistre-", suffix=".txt")
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(f"To: {draft.to}\nCc: {draft.cc}\nBcc: {draft.bcc}\n")
                file.write(f"Subject: {draft.subject}\n")
                for path in draft.attachments:
                    file.write(f"X-Attachment: {path}\n")
                file.write("\n" + draft.body)
            logging.getLogger("courriel").warning("unsaved draft written to %s", name)

    # --- the draft ----------------------------------------------------------------

    def current_draft(self) -> Draft:
        """The draft as the fields hold it (as last seen, once the fields are gone)."""
        with suppress(NoMatches):
            self._latest = self._read_fields()
        return self._latest

    @on(Input.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Input.Changed | TextArea.Changed) -> None:
        self.current_draft()
        field = event.control.id or ""
        if field in ADDRESS_FIELDS and self.query_one(f"#{field}-error").display:
            self._set_error(field, "")  # the user is fixing it

    def action_next_field(self, complete: bool = False) -> None:
        """The next field; Tab first takes the address completion shown, as a shell
        does (it used to drop it and leave « soph »)."""
        field = self.focused
        if complete and isinstance(field, AddressInput):
            field.take_completion()
        elif complete and isinstance(field, Input):
            suggestion = field._suggestion  # what Input draws after the cursor (Textual 8)
            if suggestion and len(suggestion) > len(field.value) and field.cursor_at_end:
                field.value = suggestion
                field.cursor_position = len(suggestion)
            if field.id == "attach-path":
                return  # a path completes a piece at a time, as in a shell: stay
        self.focus_next()

    def action_previous_field(self) -> None:
        self.focus_previous()

    def _read_fields(self) -> Draft:
        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        draft = self.initial
        return Draft(
            to=value("to"),
            cc=value("cc"),
            bcc=value("bcc"),
            subject=value("subject"),
            body=self.query_one("#body", TextArea).text,
            attachments=list(self.attachments),
            in_reply_to=draft.in_reply_to,
            references=list(draft.references),
            kind=draft.kind,
            original_folder=draft.original_folder,
            original_uid=draft.original_uid,
            forward_removed=list(self.forward_removed),
        )

    @property
    def changed_since_save(self) -> bool:
        return self.current_draft().to_json() != self._saved_json

    @property
    def changed_since_open(self) -> bool:
        return self.current_draft().to_json() != self._opened_json

    def save(self) -> int:
        draft = self.current_draft()
        self.draft_id = outbox.save_draft(self.cache, draft, self.draft_id)
        self._saved_json = draft.to_json()
        return self.draft_id

    def try_save(self, *, quiet: bool = False) -> int | None:
        """Save, or say why the disk refused (full, read-only, locked) and keep the text
        on screen: nothing typed is lost, and the autosave tries again by itself. `quiet`
        (the autosave) says it once per failing stretch, not every few seconds."""
        try:
            draft_id = self.save()
        except Exception as exc:
            if not durable.write_problem(exc):
                raise
            if not (quiet and self._save_failing):
                self._tell_write_failed(exc, _("Le brouillon n'a pas pu être enregistré"))
            self._save_failing = True
            return None
        if self._save_failing:
            self._save_failing = False
            self.notify(_("Brouillon enregistré à nouveau."), markup=False)
        return draft_id

    def _tell_write_failed(self, exc: BaseException, what: str) -> None:
        where = clean_line(str(self.cache.durable_path))
        why = exc.message if isinstance(exc, MailError) else durable.reason(exc)
        self.notify(
            _(
                "{what} dans {path} ({reason}). Votre texte reste à l'écran : libérez de "
                "la place ou corrigez les droits de ce dossier, puis réessayez."
            ).format(what=what, path=where, reason=why),
            title=_("Fichiers locaux"),
            severity="error",
            markup=False,
            timeout=20,
        )

    def autosave(self) -> None:
        if not self._finished and self.changed_since_save:
            self.try_save(quiet=True)

    # --- attachments --------------------------------------------------------------

    @property
    def forwarded(self) -> list[Attachment]:
        """The original's attachments this forward still sends."""
        removed = set(self.forward_removed)
        return [part for part in self._forwardable if part.index not in removed]

    def _show_attachments(self) -> None:
        options = self.query_one("#attachments", OptionList)
        highlighted = options.highlighted
        options.clear_options()
        for path in self.attachments:
            file = Path(path)
            try:
                size = size_short(file.stat().st_size)
            except OSError:
                size = _("introuvable")
            label = Content.assemble("📎 ", clean_line(file.name), (f"  {size}", "dim"))
            options.add_option(Option(label))
        for part in self.forwarded:
            # The name as its sender wrote it (hostile: sanitised, and never markup).
            size = size_short(part.size)
            label = Content.assemble("📎 ", clean_line(part.label), (f"  {size}", "dim"))
            options.add_option(Option(label))
        count = options.option_count
        options.display = bool(count)
        if count and highlighted is not None:
            options.highlighted = min(highlighted, count - 1)
        self.refresh_bindings()

    def action_attach(self) -> None:
        row = self.query_one("#attach-row")
        row.display = True
        self.set_focus(self.query_one("#attach-path", Input))

    @on(Input.Submitted, "#attach-path")
    def _attach_path(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            self._hide_attach()
            return
        path = Path(os.path.expanduser(event.value.strip()))
        if not path.is_file():
            self.notify(
                _("Fichier introuvable : {path}").format(path=clean_line(str(path))),
                severity="error",
                markup=False,
            )
            return
        resolved = str(path.resolve())
        if resolved not in self.attachments:
            self.attachments.append(resolved)
        event.input.value = ""
        self._size_confirmed = False
        self._show_attachments()
        self._hide_attach()

    def _hide_attach(self) -> None:
        self.query_one("#attach-row").display = False
        self.set_focus(self.query_one("#body", TextArea))

    def action_remove_attachment(self) -> None:
        options = self.query_one("#attachments", OptionList)
        index = options.highlighted
        forwarded = self.forwarded
        if index is None or not 0 <= index < len(self.attachments) + len(forwarded):
            return
        if index < len(self.attachments):
            del self.attachments[index]
        else:
            self.forward_removed.append(forwarded[index - len(self.attachments)].index)
        self._show_attachments()
        if options.option_count:
            self.set_focus(options)
        else:
            self.set_focus(self.query_one("#body", TextArea))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("next_field", "previous_field"):  # else the focused widget's own
            focused = self.focused
            if not isinstance(focused, Input):
                return False
            # Tab (next_field(True)) completes the attachment's path as its hint says.
            tab = action == "next_field" and parameters == (True,)
            return focused.id in HEADER_FIELDS or (tab and focused.id == "attach-path")
        if action == "remove_attachment":
            return (
                self.is_mounted
                and isinstance(self.focused, OptionList)
                and bool(self.attachments or self.forwarded)
            )
        return True

    # --- sending ------------------------------------------------------------------

    def _set_error(self, field: str, message: str) -> None:
        error = self.query_one(f"#{field}-error", Static)
        error.update(Content(message))
        error.display = bool(message)

    def validate(self, draft: Draft, *, need_recipient: bool = True) -> bool:
        """Show the French reason next to each wrong address field; True when all are valid."""
        first_bad: str | None = None
        found = False
        for field in ADDRESS_FIELDS:
            try:
                found = bool(parse_address_list(getattr(draft, field))) or found
            except AddressError as exc:
                self._set_error(field, str(exc))
                first_bad = first_bad or field
            else:
                self._set_error(field, "")
        if first_bad is None and not found and need_recipient:
            self._set_error("to", _("Indiquez au moins un destinataire."))
            first_bad = "to"
        if first_bad is not None:
            self.set_focus(self.query_one(f"#{first_bad}", Input))
            return False
        return True

    def _after_typed_keys(self, action: Callable[..., None], deferred: bool) -> bool:
        """Ctrl+S, Ctrl+D and Ctrl+G are read before the keys typed ahead of them reach
        the focused field (a priority binding runs when the key is read): the last words
        were missing from the message. The action runs again from that field's queue,
        behind those keys. True when the caller must stop: deferred so, or a press
        already waits (Ctrl+S twice sent twice), or the screen is done."""
        if self._finished or not self.is_current:
            return True
        if deferred:
            self._waiting = False
            return False
        if self._waiting:
            return True
        field = self.focused
        if not isinstance(field, Input | TextArea):
            return False
        self._waiting = True
        field.call_later(action, True)
        return True

    def action_send(self, deferred: bool = False) -> None:
        if self._after_typed_keys(self.action_send, deferred):
            return
        draft = self.current_draft()
        if not self.validate(draft):
            return
        extra = sum(part.size for part in self.forwarded)
        warning = size_warning(draft.attachments, outbox.size_limit(self.cache), extra)
        if warning and not self._size_confirmed:

            def decided(choice: str | None) -> None:
                if choice == "send":
                    self._size_confirmed = True
                    self.action_send()

            self.app.push_screen(
                Choice(
                    _("Message volumineux"),
                    warning,
                    [("send", _("Envoyer quand même")), ("cancel", _("Annuler"))],
                ),
                decided,
            )
            return
        try:
            outbox_id = outbox.send_draft(
                self.cache,
                self.identity,
                draft,
                draft_id=self.draft_id,
                original_raw=self.original_raw,
            )
        except ComposeError as exc:
            self.notify(str(exc), title=exc.title, severity="error", markup=False)
            return
        except Exception as exc:
            if not durable.write_problem(exc):
                raise
            self._offer_direct_send(exc, draft)
            return
        self.suggester.remember(
            [pair for field in ADDRESS_FIELDS for pair in parse_address_list(getattr(draft, field))]
        )
        self._settle_moved_draft(keep=True)
        self._finished = True
        if self.demo:
            self.app.notify(
                _("Mode démonstration : le message reste dans la boîte d'envoi."), markup=False
            )
        self.dismiss(outbox_id)

    def _offer_direct_send(self, exc: BaseException, draft: Draft) -> None:
        """The outbox cannot be written: say why, and offer to send straight away."""
        self._tell_write_failed(exc, _("Le message n'a pas pu être mis dans la boîte d'envoi"))
        if self.demo:
            return

        def decided(choice: str | None) -> None:
            if choice != "direct":
                return
            try:
                raw = to_bytes(build_message(self.identity, draft, original_raw=self.original_raw))
            except ComposeError as error:
                self.notify(str(error), title=error.title, severity="error", markup=False)
                return
            self.notify(_("Envoi direct en cours…"), markup=False)
            self.post_message(self.SendDirect(self, raw))

        self.app.push_screen(
            Choice(
                _("Envoyer sans la boîte d'envoi ?"),
                _(
                    "Le message peut partir tout de suite, sans passer par la boîte d'envoi "
                    "de cet ordinateur. Aucune copie n'en sera gardée ici ni dans "
                    "« Envoyés » ; s'il ne part pas, votre texte reste à l'écran."
                ),
                [("direct", _("Envoyer directement")), ("cancel", _("Annuler"))],
            ),
            decided,
        )

    def direct_sent(self) -> None:
        """The app sent it directly: the screen closes, the draft saved earlier goes."""
        self._settle_moved_draft(keep=True)
        self._finished = True
        if self.draft_id is not None:
            try:
                outbox.delete_draft(self.cache, self.draft_id)
            except Exception as exc:  # the disk still full: a leftover draft is harmless
                if not durable.write_problem(exc):
                    raise
        self.dismiss(None)

    def direct_failed(self, reason: str) -> None:
        self.notify(reason, title=_("Envoi impossible"), severity="error", markup=False, timeout=20)

    # --- saving and closing -------------------------------------------------------

    def action_save(self, deferred: bool = False) -> None:
        if self._after_typed_keys(self.action_save, deferred):
            return
        if self.try_save() is not None:
            self.notify(_("Brouillon enregistré."), markup=False)

    def action_save_to_server(self, deferred: bool = False) -> None:
        """Saved here first, then the app hands the built message to the IMAP worker."""
        if self._after_typed_keys(self.action_save_to_server, deferred):
            return
        draft = self.current_draft()
        if not self.validate(draft, need_recipient=False):
            return
        try:
            message = build_message(
                self.identity, draft, original_raw=self.original_raw, require_recipient=False
            )
        except ComposeError as exc:
            self.notify(str(exc), title=exc.title, severity="error", markup=False)
            return
        draft_id = self.try_save()
        if draft_id is not None:
            self.post_message(self.SaveToServer(draft_id, to_bytes(message), self.cache))

    def action_close(self) -> None:
        if self.focused is self.query_one("#attach-path", Input):
            self._hide_attach()
            return
        if not self.changed_since_open:
            self._finish(keep=True)
            return

        def decided(choice: str | None) -> None:
            if choice == "save":
                if self.try_save() is not None:  # else the screen stays, text and all
                    self._finish(keep=True)
            elif choice == "discard":
                self._finish(keep=False)

        self.app.push_screen(
            Choice(
                _("Enregistrer le brouillon ?"),
                _("Le message n'a pas été envoyé."),
                [
                    ("save", _("Enregistrer")),
                    ("discard", _("Abandonner")),
                    ("cancel", _("Annuler")),
                ],
            ),
            decided,
        )

    def _finish(self, *, keep: bool) -> None:
        """Close unsent. Abandoning undoes this session's autosaves: the draft as it was."""
        self._finished = True
        self._settle_moved_draft(keep=keep)
        if not keep and self.draft_id is not None:
            try:
                if self._opened_id is None:
                    outbox.delete_draft(self.cache, self.draft_id)
                else:
                    outbox.save_draft(self.cache, self.initial, self._opened_id)
            except Exception as exc:  # abandoned anyway: an autosave left over is harmless
                if not durable.write_problem(exc):
                    raise
        self.dismiss(None)

    # --- external editor ----------------------------------------------------------

    def action_editor(self) -> None:
        from tui.editor import edit_file

        body = self.query_one("#body", TextArea)
        handle, name = tempfile.mkstemp(prefix="courriel-", suffix=".txt")
        path = Path(name)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(body.text)
            problem = edit_file(self.app, path)
            if problem is not None:
                self.notify(
                    _("{problem} Le texte n'a pas été repris.").format(problem=problem),
                    severity="warning",
                    markup=False,
                )
                return
            text = path.read_text(encoding="utf-8", errors="replace")
        finally:
            path.unlink(missing_ok=True)
        body.load_text(text)
        self.refresh()
