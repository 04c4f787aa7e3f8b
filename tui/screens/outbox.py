"""The Outbox view: every message not sent yet, why, and what the user can do about it.

It acts on the cache itself (retry, discard, take back as a draft) and dismisses with
what was done, so the app can start a send or open the compose screen on the draft.
Recipients, subjects and errors are shown as `Text` cells, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.core.i18n import _, ngettext
from tui.core.mail.formatting import list_date
from tui.core.mail.sanitize import clean_line
from tui.core.store import outbox
from tui.core.store.cache import Cache
from tui.core.store.records import OutboxRow
from tui.screens.choice import Choice
from tui.widgets.footer import Footer
from tui.widgets.prose import Prose


@dataclass(frozen=True)
class OutboxChoice:
    """What the user did: "retry" (send now), "discard" (gone), "edit" (open `draft_id`)
    or "mark_sent" (an uncertain message did leave: its copy is filed)."""

    action: str
    outbox_id: int
    draft_id: int | None = None


BUSY = (outbox.SENDING, outbox.IN_DATA)


def status_text(status: str) -> str:
    return {
        outbox.QUEUED: _("en attente"),
        outbox.SENDING: _("envoi en cours"),
        outbox.IN_DATA: _("envoi en cours"),
        outbox.HELD: _("bloqué"),
        outbox.UNCERTAIN: _("envoi incertain"),
    }.get(status, clean_line(status))


def describe(row: OutboxRow) -> tuple[str, str]:
    """(recipients, subject) read from the queued bytes, cleaned for the screen."""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(row.raw)
        subject = str(headers.get("subject", "") or "")
    except (ValueError, TypeError, LookupError):
        subject = ""
    try:
        recipients = ", ".join(outbox.recipients(row.raw))
    except (ValueError, TypeError, LookupError):
        recipients = ""
    return clean_line(recipients) or "?", clean_line(subject) or _("(sans objet)")


class OutboxScreen(ModalScreen[OutboxChoice | None]):
    DEFAULT_CSS = """
    OutboxScreen {
        align: center middle;
    }
    OutboxScreen > Vertical {
        width: 110;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
    }
    OutboxScreen #outbox-title {
        text-style: bold;
        padding: 0 1;
    }
    OutboxScreen #outbox-detail {
        height: auto;
        max-height: 4;
        padding: 0 1;
        color: $warning;
    }
    OutboxScreen DataTable {
        height: auto;
        max-height: 14;
    }
    """

    BINDINGS = [
        Binding("r", "retry", _("Réessayer"), id="outbox.retry"),
        Binding("e", "edit", _("Modifier"), id="outbox.edit"),
        Binding("m", "mark_sent", _("Marquer envoyé"), id="outbox.mark_sent"),
        Binding("d,delete", "discard", _("Abandonner"), id="outbox.discard"),
        Binding("escape", "close", _("Fermer"), id="outbox.close"),
    ]

    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self.cache = cache
        self.rows: list[OutboxRow] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(_("Boîte d'envoi")), id="outbox-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="outbox-table")
            yield Static(id="outbox-detail")
            yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Fixed widths so the status column stays visible at 80 columns.
        room = max(20, min(110, self.app.size.width) - 4 - 8 - 6 - 16)
        widths = (6, room * 2 // 5, room - room * 2 // 5, 16)  # « envoi incertain »
        labels = (_("Date"), _("Destinataires"), _("Objet"), _("État"))
        for label, width in zip(labels, widths, strict=True):
            table.add_column(Text(label), width=width)
        self.reload()
        self.set_focus(table)

    def reload(self) -> None:
        self.rows = outbox.pending(self.cache)
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            recipients, subject = describe(row)
            table.add_row(
                Text(list_date(row.created)),
                Text(recipients, no_wrap=True, overflow="ellipsis"),
                Text(subject, no_wrap=True, overflow="ellipsis"),
                Text(status_text(row.status)),
                key=str(row.id),
            )
        title = self.query_one("#outbox-title", Static)
        if not self.rows:
            title.update(Content(_("Boîte d'envoi : aucun message en attente.")))
        else:
            title.update(
                Content(
                    ngettext(
                        "Boîte d'envoi : {n} message en attente",
                        "Boîte d'envoi : {n} messages en attente",
                        len(self.rows),
                    ).format(n=len(self.rows))
                )
            )
        self._show_detail()

    @property
    def selected(self) -> OutboxRow | None:
        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()

    def _show_detail(self) -> None:
        row = self.selected
        detail = self.query_one("#outbox-detail", Static)
        error = clean_line(row.last_error) if row is not None else ""
        detail.update(Prose(_("Dernière erreur : {error}").format(error=error) if error else ""))
        detail.display = bool(error)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"retry", "discard", "edit", "mark_sent"}:
            row = self.selected if self.is_mounted else None
            if row is None:
                return None
            if action == "edit" and row.status != outbox.HELD:
                return None
            if action == "mark_sent" and row.status != outbox.UNCERTAIN:
                return None
            if action in {"retry", "discard"} and row.status in BUSY:
                return None  # another attempt holds it: acting now could send it twice
        return True

    def action_retry(self) -> None:
        row = self.selected
        if row is None or row.status in BUSY:
            return
        if row.status != outbox.UNCERTAIN:
            outbox.retry(self.cache, row.id)
            self.dismiss(OutboxChoice("retry", row.id))
            return
        recipients, subject = describe(row)

        def decided(choice: str | None) -> None:
            if choice == "resend":
                outbox.retry(self.cache, row.id)
                self.dismiss(OutboxChoice("retry", row.id))

        self.app.push_screen(
            Choice(
                _("Renvoyer ce message ?"),
                _(
                    "« {subject} » à {recipients} est peut-être déjà parti : l'envoi a été "
                    "interrompu alors que le serveur le recevait. Renvoyé, il peut arriver "
                    "deux fois."
                ).format(subject=subject, recipients=recipients),
                [("resend", _("Renvoyer")), ("cancel", _("Annuler"))],
            ),
            decided,
        )

    def action_mark_sent(self) -> None:
        """The user checked that an uncertain message did leave: file it, never resend."""
        row = self.selected
        if row is None or row.status != outbox.UNCERTAIN:
            return
        outbox.mark_sent(self.cache, row.id)
        self.dismiss(OutboxChoice("mark_sent", row.id))

    def action_edit(self) -> None:
        row = self.selected
        if row is None or row.status != outbox.HELD:
            return
        draft_id = outbox.to_draft(self.cache, row.id)
        if draft_id is not None:
            self.dismiss(OutboxChoice("edit", row.id, draft_id))
        else:
            self.reload()  # no longer held: being sent, or gone

    def action_discard(self) -> None:
        row = self.selected
        if row is None:
            return
        recipients, subject = describe(row)

        def decided(choice: str | None) -> None:
            if choice != "discard":
                return
            if outbox.discard(self.cache, row.id):
                self.dismiss(OutboxChoice("discard", row.id))
                return
            # An attempt started sending it while the question was open.
            self.notify(
                _("Ce message est en cours d'envoi : il ne peut plus être abandonné."),
                severity="warning",
                markup=False,
            )
            self.reload()

        self.app.push_screen(
            Choice(
                _("Abandonner ce message ?"),
                _("« {subject} » à {recipients} ne sera pas envoyé.").format(
                    subject=subject, recipients=recipients
                ),
                [("discard", _("Abandonner")), ("cancel", _("Annuler"))],
            ),
            decided,
        )

    def action_close(self) -> None:
        self.dismiss(None)
