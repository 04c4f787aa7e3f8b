"""The académie de Dijon account: the one place where the service's facts live.

Sources: ../shared/ACADEMY.md (public user guides). Ports and hosts have been stable
for years; the quota is not hard-coded because the server tells it (IMAP QUOTA).
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.core.i18n import N_


@dataclass(frozen=True)
class Preset:
    name: str
    imap_host: str
    imap_port: int
    smtp_host: str
    smtp_port: int
    mail_domain: str
    webmail_url: str
    helpdesk_phone: str
    helpdesk_hours: str
    password_reset_hint: str
    trusted_domains: tuple[str, ...]
    username_examples: tuple[str, ...]


DIJON = Preset(
    name="Académie de Dijon",
    imap_host="hermes.ac-dijon.fr",
    imap_port=993,  # IMAP over implicit SSL/TLS; never POP, never 143.
    smtp_host="hermes.ac-dijon.fr",
    smtp_port=465,  # SMTP over implicit SSL/TLS, AUTH required; 587/STARTTLS does not work.
    mail_domain="ac-dijon.fr",
    webmail_url="https://webmail.ac-dijon.fr",
    helpdesk_phone="03 80 44 88 09",
    helpdesk_hours=N_("du lundi au vendredi, de 8 h 30 à 17 h 30"),
    password_reset_hint=N_("« J'initialise mon mot de passe » sur la page de connexion du webmail"),
    trusted_domains=("ac-dijon.fr", "education.gouv.fr"),
    username_examples=("prenom.nom", "jdupont", "jdupont2"),
)

# Ports that users commonly try and that hermes does not serve.
WRONG_PORTS = {143: "imap", 110: "pop", 995: "pop", 587: "smtp", 25: "smtp"}
