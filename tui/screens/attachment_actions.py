"""One attachment at a time (#20): `p` picks it, then read it as text, save it alone,
or open it with the system's viewer when there is a display.

Saving follows the rules of saving them all (tui.core.mail.attachments): only inside the
folder the user chose, under a sanitised name; a taken name is never replaced without
asking. The viewer gets a private temporary copy (tui.core.mail.attachment_open).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from tui.core.errors import MailError
from tui.core.i18n import _
from tui.screens.rule_actions import RuleActions

if TYPE_CHECKING:
    from tui.core.mail.mime import Attachment  # the MIME stack loads with the first message


def _reason(error: MailError | OSError) -> str:
    return error.message if isinstance(error, MailError) else (error.strerror or str(error))


def save_one(app: Any, attachment: Attachment) -> None:
    """Ask for the folder, save; a taken name asks: keep both, replace, or cancel."""
    from tui.core.mail.attachments import AttachmentExists, free_name, save_attachment
    from tui.screens.choice import Choice
    from tui.screens.save_attachments import SaveAttachments

    def saved(path: Path) -> None:
        app.notify(_("Enregistré : {path}").format(path=path), markup=False)

    def save(folder: Path, attachment: Attachment, *, overwrite: bool = False) -> None:
        try:
            saved(save_attachment(attachment, folder, overwrite=overwrite))
        except AttachmentExists as exists:
            ask(folder, exists)
        except (MailError, OSError) as error:
            app.notify(_reason(error), severity="error", markup=False)

    def ask(folder: Path, exists: AttachmentExists) -> None:
        def answered(choice: str | None) -> None:
            if choice == "both":
                try:
                    name = free_name(exists.path.parent, attachment.filename)
                except MailError as error:
                    app.notify(error.message, severity="error", markup=False)
                    return
                save(folder, replace(attachment, filename=name))
            elif choice == "replace":
                save(folder, attachment, overwrite=True)

        question = Choice(
            _("Fichier existant"),
            _("« {name} » existe déjà dans ce dossier.").format(name=exists.path.name),
            [
                ("both", _("Garder les deux")),
                ("replace", _("Remplacer")),
                ("cancel", _("Annuler")),
            ],
        )
        app.push_screen(question, answered)

    def chosen(folder: Path | None) -> None:
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            app.notify(_reason(error), severity="error", markup=False)
            return
        save(folder, attachment)

    dialog = SaveAttachments(
        [attachment],
        title=_("Enregistrer cette pièce jointe dans :"),
        hint=_(
            "Entrée pour enregistrer ; si le nom est pris, courriel demande avant de remplacer."
        ),
    )
    app.push_screen(dialog, chosen)


def open_in_viewer(app: Any, attachment: Attachment, read: Callable[[], None] | None) -> None:
    """xdg-open on a private copy; without a display, offer to `read` it as text."""
    from tui.core.mail.attachment_open import has_display, open_with_viewer, viewer_problem

    problem = viewer_problem(attachment.filename)
    if problem is not None and not has_display() and read is not None:
        from tui.screens.choice import Choice

        def answered(choice: str | None) -> None:
            if choice == "read":
                read()

        buttons = [("read", _("Lire en texte")), ("cancel", _("Annuler"))]
        app.push_screen(Choice(_("Pas d'affichage graphique"), problem, buttons), answered)
        return
    if problem is not None:
        app.notify(problem, severity="warning", timeout=10, markup=False)
        return
    try:
        open_with_viewer(attachment)
    except (MailError, OSError) as error:
        app.notify(_reason(error), severity="error", markup=False)
        return
    app.notify(
        _("« {name} » s'ouvre dans la visionneuse.").format(name=attachment.label), markup=False
    )


class AttachmentActions(RuleActions):
    """MailboxScreen inherits these."""

    BINDINGS = [
        Binding("p", "attachments", _("Pièces jointes…"), show=False, id="mailbox.attachments"),
    ]

    def action_attachments(self) -> None:
        from tui.screens.attachment_picker import AttachmentPicker, Choice

        selected = self._selected()
        message = self.account.message(*selected) if selected else None
        if selected is None or message is None:
            if selected is not None:
                self.notify(
                    _("Le message n'est pas encore téléchargé : ouvrez-le d'abord."), markup=False
                )
            return
        if not message.attachments:
            self.notify(_("Ce message n'a pas de pièce jointe."), markup=False)
            return
        folder, uid = selected
        attachments = {a.index: a for a in message.attachments}

        def chosen(choice: Choice | None) -> None:
            if choice is None or choice[1] not in attachments:
                return
            action, index = choice
            attachment = attachments[index]
            if action == "read":
                self.read_attachment(folder, uid, attachment)
            elif action == "save":
                save_one(self.app, attachment)
            elif action == "open":
                open_in_viewer(
                    self.app, attachment, lambda: self.read_attachment(folder, uid, attachment)
                )

        self.app.push_screen(AttachmentPicker(list(message.attachments)), chosen)

    def read_attachment(self, folder: str, uid: int, attachment: Attachment) -> None:
        from tui.screens.attachment_text import AttachmentTextScreen

        load = self.account.attachment_loader(folder, uid, attachment.index)
        self.app.push_screen(AttachmentTextScreen(attachment, load))
