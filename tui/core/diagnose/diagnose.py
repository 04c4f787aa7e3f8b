"""Every failure as a plain-language problem with what to do, from the academy's facts.

One function, `diagnose(exc, ...)`, takes whatever went wrong (our `MailError`s, ssl and
socket errors, imapclient and aiosmtplib errors) and the context (step, host, port) and
returns a `Diagnosis` the setup screen, the app's error funnel and `courriel doctor`
all show. The facts (help desk, webmail, ports) come from `tui.presets`, never copied.
Text is French unless the UI language is English: every sentence goes through `_()` at
call time.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field

from tui.core.diagnose.classify import (
    classify,
    exception_chain,
    login_refusal_code,
    technical_text,
)
from tui.core.diagnose.replies import explain_reply, is_smtp_auth_refusal, server_words
from tui.core.errors import (
    MailError,
    ServerMisbehaved,
    ServerTooSlow,
)
from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line
from tui.core.username import normalise_username
from tui.presets import DIJON, WRONG_PORTS

# Share of the quota from which the mailbox is reported as nearly full, and as full:
# the same points as the status bar's colours and notice (tui/quota_notice.py).
QUOTA_NEARLY_FULL = 0.80
QUOTA_FULL = 0.95
EXPECTED_PORTS = {"imap": DIJON.imap_port, "smtp": DIJON.smtp_port}


@dataclass(frozen=True)
class Diagnosis:
    """What went wrong, why, and what to do, in the UI's language.

    `kind` is a stable id for code and scripts ("auth", "dns", "refused", "timeout",
    "network", "wrong_port", "tls", "certificate", "certificate_changed",
    "quota_full", "quota_nearly_full", "password", "config", "unavailable",
    "sending_refused", "unknown").
    `technical` is the raw error for support staff: sanitised, never a password.
    """

    title: str
    explanation: str
    steps: list[str] = field(default_factory=list)
    kind: str = "unknown"
    technical: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "title": self.title,
            "explanation": self.explanation,
            "steps": list(self.steps),
            "technical": self.technical,
        }


# --- the sentences every diagnosis shares ----------------------------------------------


def helpdesk_step() -> str:
    return _("Appelez l'assistance de l'académie au {phone}, {hours}.").format(
        phone=DIJON.helpdesk_phone, hours=_(DIJON.helpdesk_hours)
    )


def webmail_step() -> str:
    return _(
        "Essayez le webmail {url} : s'il fonctionne, le problème vient de ce réseau ou "
        "de ces réglages ; s'il ne fonctionne pas non plus, le service est sans doute en "
        "maintenance : attendez, ou lisez votre courrier sur le webmail plus tard."
    ).format(url=DIJON.webmail_url)


def _where(host: str, port: int | None) -> str:
    if host and port:
        return f"{clean_line(host)}:{port}"
    return clean_line(host) or _("le serveur")


# --- the diagnoses --------------------------------------------------------------------


def diagnose(
    exc: BaseException,
    *,
    step: str = "",
    host: str = "",
    port: int | None = None,
    protocol: str = "",
    username: str = "",
) -> Diagnosis:
    """Turn any failure into a Diagnosis. `protocol` is "imap" or "smtp" when known."""
    kind = classify(exc)
    technical = technical_text(exc)
    network_like = {"dns", "refused", "timeout", "network", "tls", "wrong_port"}
    if kind in network_like and kind != "dns" and _port_is_wrong(protocol, port):
        kind = "wrong_port"
    if kind == "auth":
        result = auth_diagnosis(username=username, protocol=protocol)
    elif kind == "wrong_port":
        result = wrong_port_diagnosis(protocol, port, host=host)
    elif kind in ("dns", "refused", "timeout", "network"):
        result = _connection_diagnosis(kind, host, port, exc)
    elif kind == "tls":
        result = _tls_diagnosis(host, port)
    elif kind == "certificate_changed":
        result = _certificate_changed_diagnosis(exc)
    elif kind == "certificate":
        result = _certificate_diagnosis(exc, host, port)
    elif kind == "unavailable":
        result = _unavailable_diagnosis(exc)
    elif kind == "misbehaving":
        result = _misbehaving_diagnosis(exc)
    elif kind == "password":
        result = password_diagnosis(str(exc))
    elif kind == "config":
        result = Diagnosis(
            _("Configuration invalide"),
            str(exc),
            [_("Corrigez le fichier de configuration, ou supprimez-le pour tout reprendre.")],
            "config",
        )
    else:
        result = _unknown_diagnosis(exc, step)
    return Diagnosis(result.title, result.explanation, result.steps, result.kind, technical)


def _port_is_wrong(protocol: str, port: int | None) -> bool:
    if not port:
        return False
    if port in WRONG_PORTS:
        return True
    # The two right ports swapped: 465 given for IMAP, 993 for SMTP.
    expected = EXPECTED_PORTS.get(protocol)
    return expected is not None and port in EXPECTED_PORTS.values() and port != expected


def auth_diagnosis(*, username: str = "", protocol: str = "") -> Diagnosis:
    """Authentication refused: the academy's three traps, then who can help.

    The likeliest cause comes first. When the name sent was already the short
    username (setup replaces the full address itself), the password is the suspect:
    telling the user again not to type the full address would send them the wrong way.
    """
    check = normalise_username(username) if username else None
    full_address_sent = check is not None and "domain_removed" in check.changes
    short_sent = check is not None and check.ok and not check.changes
    identity_step = _identity_step(check.username if check else "", full_address_sent, short_sent)
    password_steps = [
        _(
            "Première connexion ? Si votre mot de passe est encore le mot de passe provisoire "
            "reçu avec votre NUMEN, changez-le d'abord sur le webmail {url} : tant qu'il "
            "n'est pas changé, le serveur refuse la connexion sans autre message."
        ).format(url=DIJON.webmail_url),
        _(
            "Mot de passe oublié ou expiré : réinitialisez-le avec {hint} (il faut votre "
            "NUMEN et un code). Le mot de passe doit avoir au moins 12 caractères, avec "
            "majuscules, minuscules, chiffres et caractères spéciaux."
        ).format(hint=_(DIJON.password_reset_hint)),
    ]
    if short_sent:
        steps = [*password_steps, identity_step]
        explanation = _(
            "Le serveur a refusé l'identifiant « {user} » ou le mot de passe, sans dire "
            "lequel des deux. L'identifiant a la forme attendue : la cause la plus fréquente "
            "est alors le mot de passe (provisoire jamais changé, expiré, ou mal saisi)."
        ).format(user=check.username if check else username)
    else:
        steps = [identity_step, *password_steps]
        explanation = _(
            "Le serveur a refusé l'identifiant ou le mot de passe. Il ne dit jamais lequel des "
            "deux est en cause : les causes les plus fréquentes sont, dans l'ordre, l'adresse "
            "complète saisie à la place de l'identifiant court, et un mot de passe provisoire "
            "jamais changé."
        )
    steps += [
        _(
            "Si la réinitialisation ne donne rien, votre compte est peut-être bloqué ou "
            "supprimé par le rectorat : adressez-vous à votre établissement."
        ),
        helpdesk_step(),
    ]
    if protocol == "smtp":
        explanation += " " + _(
            "Le serveur d'envoi utilise les mêmes identifiant et mot de passe que la réception."
        )
    return Diagnosis(_("Identifiant ou mot de passe refusé"), explanation, steps, "auth")


def sending_refused_diagnosis(username: str, technical: str = "") -> Diagnosis:
    """The sending server refused the login the receiving one had just accepted with the
    same password: the password is right, so the password traps would mislead."""
    return Diagnosis(
        _("Envoi refusé pour ce compte"),
        _(
            "Le serveur de réception vient d'accepter l'identifiant « {user} » et ce mot de "
            "passe, mais le serveur d'envoi les refuse : le mot de passe est bon. L'envoi est "
            "peut-être bloqué pour ce compte (après un envoi jugé suspect, par exemple), ou "
            "le serveur d'envoi a un problème."
        ).format(user=clean_line(username)),
        [
            _(
                "Essayez d'envoyer un message depuis le webmail {url} : s'il est refusé là "
                "aussi, l'envoi est bloqué pour votre compte."
            ).format(url=DIJON.webmail_url),
            helpdesk_step(),
        ],
        "sending_refused",
        technical,
    )


def _identity_step(short: str, full_address_sent: bool, short_sent: bool) -> str:
    """The step about the username, worded for what was actually sent."""
    if full_address_sent:
        return _(
            "Vous avez saisi l'adresse complète : utilisez l'identifiant court « {short} »."
        ).format(short=short)
    if short_sent:
        return _(
            "Vérifiez que « {user} » est bien votre identifiant : connectez-vous au webmail "
            "{url} avec lui ; s'il fonctionne là, c'est le bon."
        ).format(user=short, url=DIJON.webmail_url)
    return _(
        "Vérifiez l'identifiant : c'est l'identifiant court ({forms}), pas l'adresse "
        "complète prenom.nom@{domain}. Pour en être sûr, connectez-vous au webmail "
        "{url} avec cet identifiant court : s'il fonctionne là, c'est le bon."
    ).format(
        forms=", ".join(DIJON.username_examples),
        domain=DIJON.mail_domain,
        url=DIJON.webmail_url,
    )


def wrong_port_diagnosis(protocol: str, port: int | None, *, host: str = "") -> Diagnosis:
    """A port hermes does not serve, or one that does not speak implicit TLS."""
    what = WRONG_PORTS.get(port or 0, "")
    if port == 587:
        why = _(
            "Le port 587 avec STARTTLS, que beaucoup de logiciels proposent par défaut, ne "
            "fonctionne pas avec ce serveur."
        )
    elif what == "pop":
        why = _(
            "Le port {port} est celui de POP : courriel utilise IMAP, qui garde les messages "
            "sur le serveur, synchronisés avec le webmail."
        ).format(port=port)
    elif port in (143, 25):
        why = _(
            "Le port {port} est un port sans chiffrement, que ce serveur n'utilise pas."
        ).format(port=port)
    elif port in EXPECTED_PORTS.values():
        why = _(
            "Le port {port} est celui de l'autre service : 993 sert à la réception (IMAP), "
            "465 à l'envoi (SMTP)."
        ).format(port=port)
    else:
        why = _(
            "Le serveur joint sur {where} ne parle pas le protocole attendu en SSL/TLS : "
            "ce n'est sans doute pas le bon port."
        ).format(where=_where(host, port))
    explanation = (
        why
        + " "
        + _(
            "{server} utilise le port {imap} pour la réception (IMAP) et le port {smtp} pour "
            "l'envoi (SMTP), tous deux en SSL/TLS (chiffrement dès la connexion)."
        ).format(server=DIJON.imap_host, imap=DIJON.imap_port, smtp=DIJON.smtp_port)
    )
    expected = EXPECTED_PORTS.get(protocol)
    steps = []
    if expected is not None:
        steps.append(
            _("Remplacez le port {port} par {expected} dans les réglages avancés.").format(
                port=port, expected=expected
            )
        )
    else:
        steps.append(
            _("Réglez la réception sur le port {imap} et l'envoi sur le port {smtp}.").format(
                imap=DIJON.imap_port, smtp=DIJON.smtp_port
            )
        )
    steps.append(helpdesk_step())
    return Diagnosis(_("Mauvais port"), explanation, steps, "wrong_port")


def check_ports(imap_port: int, smtp_port: int) -> list[Diagnosis]:
    """Warnings for ports known not to work with hermes, before any connection."""
    found: list[Diagnosis] = []
    if _port_is_wrong("imap", imap_port):
        found.append(wrong_port_diagnosis("imap", imap_port))
    if _port_is_wrong("smtp", smtp_port):
        found.append(wrong_port_diagnosis("smtp", smtp_port))
    return found


def _connection_diagnosis(kind: str, host: str, port: int | None, exc: BaseException) -> Diagnosis:
    where = _where(host, port)
    if kind == "dns":
        title = _("Serveur introuvable")
        explanation = _(
            "Le nom « {host} » n'a pas pu être traduit en adresse : pas de réseau, un "
            "réseau qui filtre les noms, ou un nom de serveur mal saisi."
        ).format(host=clean_line(host) or "?")
        first = _(
            "Vérifiez le nom du serveur : pour l'académie, c'est {server}. Puis vérifiez "
            "la connexion réseau (une page web s'ouvre-t-elle ?)."
        ).format(server=DIJON.imap_host)
    elif kind == "refused":
        title = _("Connexion refusée")
        explanation = _(
            "{where} a refusé la connexion : aucun service n'écoute sur ce port, ou le "
            "service est arrêté (maintenance)."
        ).format(where=where)
        first = _("Vérifiez le port : {imap} pour la réception, {smtp} pour l'envoi.").format(
            imap=DIJON.imap_port, smtp=DIJON.smtp_port
        )
    elif kind == "timeout":
        title = _("Le serveur ne répond pas")
        explanation = _(
            "{where} n'a pas répondu à temps : réseau coupé ou très lent, pare-feu qui "
            "bloque ce port, ou serveur en maintenance."
        ).format(where=where)
        first = _(
            "Vérifiez la connexion réseau. Le réseau d'un établissement ou d'un hôtel peut "
            "bloquer les ports {imap} et {smtp} : essayez depuis un autre réseau."
        ).format(imap=DIJON.imap_port, smtp=DIJON.smtp_port)
    else:
        title = _("Connexion impossible")
        message = exc.message if isinstance(exc, MailError) else ""
        explanation = message or _(
            "La connexion avec {where} n'a pas pu être établie ou a été coupée."
        ).format(where=where)
        first = _("Vérifiez la connexion réseau, puis réessayez dans quelques minutes.")
    return Diagnosis(title, explanation, [first, webmail_step(), helpdesk_step()], kind)


def _tls_diagnosis(host: str, port: int | None) -> Diagnosis:
    return Diagnosis(
        _("Échec de la connexion chiffrée"),
        _(
            "La négociation SSL/TLS avec {where} a échoué. Un pare-feu ou un proxy qui "
            "inspecte le trafic peut en être la cause, ou un port qui n'est pas en SSL/TLS."
        ).format(where=_where(host, port)),
        [
            _("Vérifiez les ports : {imap} et {smtp}, en SSL/TLS.").format(
                imap=DIJON.imap_port, smtp=DIJON.smtp_port
            ),
            _("Essayez depuis un autre réseau."),
            webmail_step(),
            helpdesk_step(),
        ],
        "tls",
    )


def _certificate_steps() -> list[str]:
    return [
        _(
            "courriel montre le certificat (à qui il est délivré, par qui, sa validité et son "
            "empreinte SHA-256) et propose : Refuser, Accepter une fois, Accepter toujours."
        ),
        _(
            "Avant d'accepter, faites confirmer l'empreinte SHA-256 par l'assistance "
            "({phone}). Sur un réseau public (hôtel, gare), refusez et réessayez ailleurs."
        ).format(phone=DIJON.helpdesk_phone),
        _(
            "« Accepter toujours » retient ce certificat précis pour ce serveur : s'il change "
            "un jour, courriel refusera la connexion et vous préviendra."
        ),
    ]


def _certificate_diagnosis(exc: BaseException, host: str, port: int | None) -> Diagnosis:
    from tui.core.net.trust import CertificateNeedsDecision

    reason = ""
    for item in exception_chain(exc):
        if isinstance(item, CertificateNeedsDecision):
            reason = item.info.reason
            host = host or item.info.host
            port = port or item.info.port
            break
        if isinstance(item, ssl.SSLCertVerificationError):
            reason = str(
                getattr(item, "verify_message", None) or getattr(item, "reason", None) or ""
            )
    explanation = _(
        "Le certificat présenté par {where} n'a pas pu être vérifié : {reason}. Ce n'est "
        "pas forcément une attaque : ce système peut ne pas connaître l'autorité qui l'a "
        "émis. Mais accepter à tort un faux certificat permettrait à un tiers de lire votre "
        "mot de passe et votre courrier. Aucun mot de passe n'a été envoyé."
    ).format(where=_where(host, port), reason=clean_line(reason) or _("raison inconnue"))
    return Diagnosis(_("Certificat à vérifier"), explanation, _certificate_steps(), "certificate")


def _certificate_changed_diagnosis(exc: BaseException) -> Diagnosis:
    from tui.core.net.certificates import change_explanation

    message = exc.message if isinstance(exc, MailError) else str(exc)
    return Diagnosis(
        _("Le certificat du serveur a changé"),
        message + " " + change_explanation(),
        [
            _(
                "Ne saisissez pas votre mot de passe ailleurs en attendant : aucun mot de "
                "passe n'a été envoyé."
            ),
            helpdesk_step(),
            *_certificate_steps()[1:],
        ],
        "certificate_changed",
    )


def password_diagnosis(reason: str = "") -> Diagnosis:
    """No password could be obtained (no keyring entry, a failing command, no terminal)."""
    explanation = reason or _("Aucun mot de passe n'est disponible pour ce compte.")
    return Diagnosis(
        _("Mot de passe indisponible"),
        explanation,
        [
            _(
                "Lancez courriel dans un terminal : il demandera le mot de passe et proposera "
                "de le garder dans le trousseau du système quand il y en a un."
            ),
            _(
                "Sur un serveur sans trousseau, indiquez une commande qui l'écrit, par "
                "exemple password_command = « pass show academie » dans la configuration."
            ),
        ],
        "password",
    )


def _unavailable_diagnosis(exc: BaseException) -> Diagnosis:
    """The server refused the login for a reason of its own (maintenance, policy)."""
    reply = next((str(item) for item in exception_chain(exc) if login_refusal_code(item)), "")
    smtp = next((i for i in exception_chain(exc) if is_smtp_auth_refusal(i, temporary=True)), None)
    if smtp is not None:
        words = server_words(f"{getattr(smtp, 'code', '')} {getattr(smtp, 'message', '')}")
        return Diagnosis(
            _("Service indisponible"),
            _(
                "Le serveur d'envoi ne peut pas vérifier l'identifiant et le mot de passe pour "
                "le moment (le serveur : « {words} »). Votre mot de passe n'est pas en cause."
            ).format(words=words),
            [webmail_step(), helpdesk_step()],
            "unavailable",
        )
    return Diagnosis(
        _("Service indisponible"),
        _("Le serveur a refusé la connexion : {why}.").format(why=explain_reply(reply)),
        [webmail_step(), helpdesk_step()],
        "unavailable",
    )


def _misbehaving_diagnosis(exc: BaseException) -> Diagnosis:
    """The server's answer broke the protocol or a limit (core.imap): the account is
    not at fault, and the help desk needs the server's words, not the user's password."""
    fault = next(
        item for item in exception_chain(exc) if isinstance(item, ServerMisbehaved | ServerTooSlow)
    )
    return Diagnosis(
        fault.title,
        _("{what} Votre identifiant et votre mot de passe ne sont pas en cause.").format(
            what=fault.message
        ),
        [
            _("Réessayez dans quelques minutes : courriel continue avec le reste de la boîte."),
            helpdesk_step(),
        ],
        "misbehaving",
    )


def _unknown_diagnosis(exc: BaseException, step: str) -> Diagnosis:
    # The exception's class name is for the help desk: it is in `technical`, not here.
    message = exc.message if isinstance(exc, MailError) else ""
    explanation = message or _("Une erreur inattendue s'est produite.")
    return Diagnosis(
        _("Erreur inattendue"),
        explanation,
        [
            _("Réessayez dans quelques minutes."),
            _(
                "Si le problème persiste, lancez « courriel doctor » et communiquez son "
                "résultat à l'assistance : {phone}, {hours}."
            ).format(phone=DIJON.helpdesk_phone, hours=_(DIJON.helpdesk_hours)),
        ],
        "unknown",
    )
