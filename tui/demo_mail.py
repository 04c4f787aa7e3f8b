"""The sample mailbox of `courriel --demo`: realistic académie de Dijon mail, in French.

Built in code (no binary fixtures): several folders, a thread, a PDF attachment, an HTML
newsletter with a tracking pixel, a phishing attempt, and enough messages to scroll.
Dates are relative to now so the demo always looks current.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from tui.core.mail import formatting

ME = ("Marie Durand", "marie.durand@ac-dijon.fr")


@dataclass(frozen=True)
class DemoMessage:
    folder: str
    raw: bytes
    flags: frozenset[str]


_IDS = itertools.count(1)


def _demo_id() -> str:
    """A Message-ID of fixed length: make_msgid's holds the time, the pid and the host,
    so the demo's sizes (shown in the list from 100 columns) changed between machines."""
    return f"<demo-{next(_IDS):04d}@ac-dijon.fr>"


def _message(
    sender: tuple[str, str],
    subject: str,
    body: str,
    when: datetime,
    *,
    to: tuple[str, str] = ME,
    reply_to: EmailMessage | None = None,
    attachment: tuple[str, str, bytes] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = f"{to[0]} <{to[1]}>"
    message["Subject"] = subject
    message["Date"] = format_datetime(when)
    message["Message-ID"] = _demo_id()
    if reply_to is not None:
        # RFC 5322 3.6.4: the parent's References, then the parent's own id.
        message["In-Reply-To"] = reply_to["Message-ID"]
        chain = f"{reply_to['References'] or ''} {reply_to['Message-ID']}"
        message["References"] = chain.strip()
    message.set_content(body)
    if attachment is not None:
        name, subtype, data = attachment
        message.add_attachment(data, maintype="application", subtype=subtype, filename=name)
    return message


_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

_NEWSLETTER = """\
<html><body>
<img src="https://lettre.example.org/pixel.gif?id=4242" width="1" height="1">
<h1>La lettre du numérique éducatif — novembre</h1>
<p>Retrouvez les <a href="https://www.ac-dijon.fr/numerique">ressources du mois</a> et
le calendrier des formations.</p>
<table><tr><th>Formation</th><th>Date</th><th>Lieu</th></tr>
<tr><td>ENT et vie scolaire</td><td>2 décembre</td><td>Dijon</td></tr>
<tr><td>Éducation aux médias</td><td>9 décembre</td><td>Nevers</td></tr></table>
<img src="https://lettre.example.org/banniere.png">
</body></html>
"""

_ROUTINE = [
    (("Secrétariat de direction", "ce.0210017a@ac-dijon.fr"), "Planning des conseils de classe"),
    (("Vie scolaire", "vie-scolaire.0210017a@ac-dijon.fr"), "Absences de la semaine"),
    (("Jean Martin", "jean.martin@ac-dijon.fr"), "Sortie pédagogique au musée des Beaux-Arts"),
    (("DSDEN de la Côte-d'Or", "dsden21@ac-dijon.fr"), "Enquête de rentrée : rappel"),
    (("Gestion", "gestion.0210017a@ac-dijon.fr"), "Commande de manuels — état"),
    (("Claire Petit", "claire.petit@ac-dijon.fr"), "Échange de salle jeudi"),
]


def demo_messages(now: datetime | None = None) -> list[DemoMessage]:
    """The demo mailbox, newest first in each folder."""
    global _IDS
    _IDS = itertools.count(1)  # the same ids at every call
    now = now or formatting.now()
    seen = frozenset({"\\Seen"})
    out: list[DemoMessage] = []

    def add(folder: str, message: EmailMessage, flags: frozenset[str] = frozenset()) -> None:
        if message.is_multipart():  # the default boundary is random, and so its length
            message.set_boundary(f"=-demo-{len(out)}-=")
        out.append(DemoMessage(folder, bytes(message), flags))

    first = _message(
        ("Sophie Bernard", "sophie.bernard@ac-dijon.fr"),
        "Réunion de l'équipe de lettres",
        "Bonjour à tous,\n\nJe vous propose de nous réunir mardi à 17 h en salle 12 pour "
        "préparer les épreuves communes.\n\nBien cordialement,\nSophie",
        now - timedelta(days=2, hours=3),
    )
    add("INBOX", first, seen | {"\\Answered"})
    reply = _message(
        ME,
        "Re: Réunion de l'équipe de lettres",
        "Bonjour Sophie,\n\nMardi me convient. J'apporte les sujets de l'an dernier.\n\n"
        "Marie\n\n> Je vous propose de nous réunir mardi à 17 h en salle 12.",
        now - timedelta(days=2, hours=1),
        to=("Sophie Bernard", "sophie.bernard@ac-dijon.fr"),
        reply_to=first,
    )
    add("Envoyés", reply, seen)
    add(
        "INBOX",
        _message(
            ("Sophie Bernard", "sophie.bernard@ac-dijon.fr"),
            "Re: Réunion de l'équipe de lettres",
            "Parfait, merci Marie ! Ordre du jour en pièce jointe.",
            now - timedelta(hours=20),
            reply_to=reply,
            attachment=("ordre-du-jour-reunion.pdf", "pdf", _PDF),
        ),
        frozenset({"\\Flagged"}),
    )
    add("INBOX", _html_only(now - timedelta(hours=5)))
    add(
        "INBOX",
        _message(
            ("Support Messagerie", "support-messagerie@ac-dijon-securite.com"),
            "Votre boîte aux lettres est pleine : validez votre compte",
            "Cher utilisateur,\n\nVotre quota est dépassé. Pour éviter la suppression de vos "
            "messages, confirmez votre identifiant et votre mot de passe sous 24 heures :\n"
            "https://ac-dijon-securite.com/valider\n\nLe service informatique",
            now - timedelta(hours=2),
        ),
    )
    add(
        "INBOX",
        _message(
            ("Proviseur", "ce.0210017a@ac-dijon.fr"),
            "Conseil pédagogique du 3 décembre",
            "Mesdames, Messieurs,\n\nLe conseil pédagogique se réunira le 3 décembre à 17 h 30 "
            "en salle du conseil. Ordre du jour : projet d'établissement, bilan du premier "
            "trimestre.\n\nLe proviseur",
            now - timedelta(minutes=40),
        ),
    )
    for n in range(60):
        sender, subject = _ROUTINE[n % len(_ROUTINE)]
        when = now - timedelta(days=3 + n // 2, hours=n % 7)
        body = f"Bonjour,\n\n{subject} : vous trouverez les détails ci-dessous.\n\nCordialement."
        add("INBOX", _message(sender, subject, body, when), seen)
    add(
        "Administration",
        _message(
            ("Division des personnels", "dpe@ac-dijon.fr"),
            "Campagne de mutations 2027",
            "La campagne de mutations inter-académiques ouvre le 18 novembre.",
            now - timedelta(days=6),
        ),
        seen,
    )
    add(
        "Projets/Théâtre",
        _message(
            ("Jean Martin", "jean.martin@ac-dijon.fr"),
            "Répétition générale",
            "La répétition générale aura lieu vendredi au foyer.",
            now - timedelta(days=4),
        ),
    )
    add(
        "Brouillons",
        _message(ME, "Compte rendu du conseil", "Brouillon en cours…", now - timedelta(days=1)),
        seen | {"\\Draft"},
    )
    return out


def _html_only(when: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Rectorat — DANE <lettre-numerique@ac-dijon.fr>"
    message["To"] = f"{ME[0]} <{ME[1]}>"
    message["Subject"] = "La lettre du numérique éducatif — novembre"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = _demo_id()
    message.set_content(_NEWSLETTER, subtype="html")
    return message


DEMO_FOLDERS = [
    ("INBOX", "inbox"),
    ("Brouillons", "drafts"),
    ("Envoyés", "sent"),
    ("Archives", "archive"),
    ("Corbeille", "trash"),
    ("Indésirables", "junk"),
    ("Administration", None),
    ("Projets", None),
    ("Projets/Théâtre", None),
]
