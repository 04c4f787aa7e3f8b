"""Deterministic generator of realistic académie de Dijon mail, written fast into a bed.

Same seed, same mailbox, byte for byte: French subjects with accents (about half of
them RFC 2047 encoded, as real clients send them), threads (Re:/TR: with In-Reply-To
and References), ~10% with a small PDF attachment, some multipart/alternative HTML
parts, senders at ac-dijon.fr and outside. Message i is dated later than message i-1,
so the last one written is the newest.

Writing: Maildir files straight into `cur/` (no session per message; Dovecot indexes them on
the first SELECT, which the runner triggers), owned by the mail user when run as root.

    python -m bench.generate --count 1000 --out /tmp/mails   # .eml files, to look at
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.header import Header
from email.utils import format_datetime
from pathlib import Path

SEED = 20261123
START = datetime(2024, 9, 2, 7, 30, tzinfo=UTC)

FIRST = [
    "Amélie", "Benoît", "Céline", "Cécile", "Dominique", "Élodie", "François", "Gaëlle",
    "Hélène", "Jérôme", "Loïc", "Mathéo", "Noémie", "Océane", "Pierre", "Rémi", "Sébastien",
    "Thérèse", "Valérie", "Zoé",
]  # fmt: skip
LAST = [
    "Bérard", "Chevalier", "Dupré", "Fèvre", "Garnier", "Lefèbvre", "Mercier", "Pétain",
    "Roussel", "Thévenin", "Vallée", "Moreau", "Girard", "Bonnot", "Perrière",
]  # fmt: skip
OUTSIDE = [
    ("Mairie de Beaune", "secretariat@mairie-beaune.fr"),
    ("Canopé Bourgogne", "info@reseau-canope.fr"),
    ("Parent d'élève", "parent.eleve@orange.fr"),
    ("Éditions Hatier", "enseignants@editions-hatier.fr"),
    ("MGEN", "contact@mgen.fr"),
    ("", "noreply@pronote.net"),
]
SERVICES = ["DPE", "DAFOP", "rectorat", "IEN Dijon-Nord", "DSDEN 21", "CIO Chenôve"]
TOPICS = [
    "Conseil de classe du {d} — 3e B",
    "Réunion pédagogique : préparation du brevet",
    "Formation « numérique éducatif » — inscription avant le {d}",
    "Sortie scolaire au musée des Beaux-Arts de Dijon",
    "Mouvement intra-académique : calendrier",
    "Évaluations nationales — saisie des résultats",
    "Vœux d'affectation : rappel aux équipes",
    "Note de service n° {n} — congés et absences",
    "Remplacement de Mme {name} à partir du {d}",
    "Projet Erasmus+ : réunion d'information",
    "Élection des représentants des parents d'élèves",
    "PPMS — exercice « attentat-intrusion » le {d}",
    "Bulletin trimestriel : ouverture de la saisie",
    "Commande de manuels — budget 2025",
    "Grève du {d} : déclaration d'intention",
]
BODY = (
    "Bonjour à toutes et à tous,\n\n"
    "Veuillez trouver ci-dessous les informations concernant « {subject} ».\n"
    "La réunion aura lieu en salle polyvalente, bâtiment B, à 17 h 30.\n"
    "Merci de confirmer votre présence auprès du secrétariat avant vendredi.\n\n"
    "Pour rappel : les élèves de 4e et de 3e seront accueillis à partir de 8 h.\n"
    "N'hésitez pas à me contacter pour toute question.\n\n"
    "Bien cordialement,\n"
    "{sender}\n"
    "{service} — Académie de Dijon\n"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
) * 12  # ~2.5 KB, a small convocation

USER_EMAIL = "prenom.nom@ac-dijon.fr"
NEWEST_SUBJECT = "Rentrée 2026 : accueil des néo-titulaires"


def newest_subject(count: int, seed: int = SEED) -> str:
    """The decoded subject of the newest message (for spotting it on screen)."""
    *_, last = messages(count, seed, subjects_only=True)
    return last  # type: ignore[return-value]


def _ascii_slug(text: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüçÉÈÊÀÂÎÔÛÇœæ", "aaaeeeeiioouuucEEEAAIOUCoa")
    return text.translate(table).lower().replace(" ", "").replace("'", "")


def _encoded(text: str, rng: random.Random) -> str:
    """Half the time RFC 2047 (Q or B, as Outlook and Thunderbird do), else raw UTF-8."""
    if text.isascii() or rng.random() < 0.5:
        return text
    return (
        Header(text, "utf-8").encode(maxlinelen=76)
        if rng.random() < 0.5
        else ("=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?=")
    )


def messages(count: int, seed: int = SEED, *, subjects_only: bool = False) -> Iterator[bytes | str]:
    """`count` messages as bytes (CRLF line ends), oldest first."""
    rng = random.Random(seed)  # dates, threads and subjects only
    body_rng = random.Random(seed ^ 0x5EED)  # everything else: subjects stay cheap to replay
    ids: list[tuple[str, str, str]] = []  # message-id, subject, references
    step = timedelta(minutes=max(1, int(600_000 / max(count, 1))))
    for i in range(count):
        date = START + step * i + timedelta(seconds=rng.randrange(60))
        if i == count - 1:  # the newest: one subject no other has, to spot it on screen
            subject, refs, reply_to = NEWEST_SUBJECT, "", ""
        elif ids and rng.random() < 0.3:  # a reply in a thread
            parent_id, parent_subject, parent_refs = ids[
                rng.randrange(max(0, len(ids) - 50), len(ids))
            ]
            base = parent_subject.removeprefix("Re : ").removeprefix("TR : ")
            subject = ("TR : " if rng.random() < 0.1 else "Re : ") + base
            refs = (parent_refs + " " + parent_id).strip()
            reply_to = parent_id
        else:
            topic = rng.choice(TOPICS)
            subject = topic.format(
                d=(date + timedelta(days=rng.randrange(3, 30))).strftime("%d/%m"),
                n=rng.randrange(100, 999),
                name=rng.choice(LAST),
            )
            refs = reply_to = ""
        message_id = f"<{i}.{rng.randrange(10**9)}@ac-dijon.fr>"
        rng_subject = rng
        rng = body_rng
        ids.append((message_id, subject, refs[-900:]))
        if subjects_only:
            rng = rng_subject
            yield subject
            continue
        if rng.random() < 0.8:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            name = f"{first} {last}"
            address = f"{_ascii_slug(first)}.{_ascii_slug(last)}@ac-dijon.fr"
        else:
            name, address = rng.choice(OUTSIDE)
        service = rng.choice(SERVICES)
        body = BODY.format(subject=subject, sender=name or address, service=service)
        headers = [
            f"Return-Path: <{address}>",
            f"Received: from smtp.ac-dijon.fr (smtp.ac-dijon.fr [194.167.{i % 250}.{i % 200}])"
            f"\r\n\tby hermes.ac-dijon.fr with ESMTPS id {rng.randrange(16**10):010x}"
            f"\r\n\tfor <{USER_EMAIL}>; {format_datetime(date)}",
            f"Date: {format_datetime(date)}",
            "From: " + (f"{_encoded(name, rng)} <{address}>" if name else address),
            f"To: {_encoded('Équipe pédagogique', rng)} <equipe.college@ac-dijon.fr>",
        ]
        if rng.random() < 0.2:
            headers.append(f"Cc: {_encoded('Prénom Nom', rng)} <{USER_EMAIL}>")
        headers += [
            f"Subject: {_encoded(subject, rng)}",
            f"Message-ID: {message_id}",
            "MIME-Version: 1.0",
            "User-Agent: Mozilla Thunderbird",
        ]
        if reply_to:
            headers += [f"In-Reply-To: {reply_to}", f"References: {refs[-900:]}"]
        text_part = (
            "Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n" + body.replace("\n", "\r\n")
        )
        kind = rng.random()
        if kind < 0.1:  # a PDF attachment
            boundary = f"------------{rng.randrange(16**24):024x}"
            pdf = base64.encodebytes(PDF).decode().replace("\n", "\r\n")
            filename = rng.choice(["convocation.pdf", "compte-rendu_réunion.pdf", "note.pdf"])
            content = (
                f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
                f"This is a multi-part message in MIME format.\r\n--{boundary}\r\n{text_part}"
                f"\r\n--{boundary}\r\nContent-Type: application/pdf; name*=utf-8''"
                f"{filename.replace('é', '%C3%A9')}\r\nContent-Transfer-Encoding: base64\r\n"
                f"Content-Disposition: attachment; filename*=utf-8''"
                f"{filename.replace('é', '%C3%A9')}\r\n\r\n{pdf}\r\n--{boundary}--\r\n"
            )
        elif kind < 0.3:  # an HTML alternative
            boundary = f"------------{rng.randrange(16**24):024x}"
            html = (
                "<html><body>"
                + "".join(f"<p>{line}</p>" for line in body.splitlines() if line)
                + "</body></html>"
            )
            content = (
                f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
                f"--{boundary}\r\n{text_part}\r\n--{boundary}\r\n"
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                f"{html}\r\n--{boundary}--\r\n"
            )
        else:
            content = text_part
        rng = rng_subject
        yield ("\r\n".join(headers) + "\r\n" + content).encode("utf-8")


def write_maildir(
    maildir: Path, count: int, seed: int = SEED, owner: tuple[int, int] | None = None
) -> float:
    """Write `count` messages into `maildir/cur` (read, like an old inbox); seconds taken.

    About 30% stay unread (no S flag), so unread counts and bold rows are realistic.
    """
    started = time.perf_counter()
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    cur = maildir / "cur"
    base = int(START.timestamp())
    rng = random.Random(seed + 1)
    for i, raw in enumerate(messages(count, seed)):
        assert isinstance(raw, bytes)
        flags = "S" if rng.random() < 0.7 or i < count - 300 else ""
        # Maildir names sort by time: Dovecot assigns UIDs in this order.
        name = f"{base + i}.M{i}P1.bench,S={len(raw)}:2,{flags}"
        with open(cur / name, "wb") as handle:
            handle.write(raw)
    if owner is not None:
        uid, gid = owner
        for path in (maildir, *maildir.iterdir(), *cur.iterdir()):
            os.lchown(path, uid, gid)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True, help="folder for .eml files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for i, raw in enumerate(messages(args.count, args.seed)):
        assert isinstance(raw, bytes)
        (args.out / f"{i:06d}.eml").write_bytes(raw)
    print(f"{args.count} messages in {args.out}")


if __name__ == "__main__":
    main()
