"""HTML body to plain text, locally: nothing is fetched, active content is dropped.

inscriptis renders tables best and fetches nothing (PITFALLS.md). Before it runs, the
lxml tree is cleaned: script/style/forms/frames are removed, remote images (tracking
pixels included) are counted and removed, and each `<a href>` becomes a numbered
reference ``texte [n]`` listed below the body. The result is sanitised text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from tui.core.i18n import _
from tui.core.mail.sanitize import clean_line, clean_text

MAX_HTML_CHARS = 4 * 1024 * 1024
MAX_LINKS = 500

_ACTIVE = ("script", "style", "noscript", "template", "head", "title", "meta", "link", "base")
_FRAMES = ("iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math")
_FORMS = ("form",)
_FORM_FIELDS = ("input", "button", "select", "textarea")
_REMOTE = re.compile(r"^\s*(?:https?:|//|ftp:)", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass
class HtmlText:
    text: str
    links: list[tuple[str, str]] = field(default_factory=list)
    remote_images: int = 0
    scripts: int = 0
    forms: int = 0
    notes: list[str] = field(default_factory=list)


def _fallback(source: str) -> str:
    """Tags stripped by regex when lxml or inscriptis cannot cope (depth, garbage)."""
    source = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", source)
    return html.unescape(re.sub(r"<[^>]*>", " ", source))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def html_to_text(source: str, *, first_link: int = 1) -> HtmlText:
    """Convert one HTML part; links are numbered from `first_link` across the message."""
    result = HtmlText(text="")
    if len(source) > MAX_HTML_CHARS:
        source = source[:MAX_HTML_CHARS]
        result.notes.append(_("Partie HTML trop longue : tronquée."))
    try:
        result.text = clean_text(_tidy(_convert(source, result, first_link)))
    except (RecursionError, ValueError, TypeError, AttributeError, LookupError) as error:
        del error
        result.links.clear()
        result.notes.append(_("Mise en forme HTML ignorée (page trop complexe ou invalide)."))
        result.text = clean_text(_tidy(_fallback(source)))
    return result


def _convert(source: str, result: HtmlText, first_link: int) -> str:
    import lxml.etree  # type: ignore[import-untyped]
    import lxml.html  # type: ignore[import-untyped]
    from inscriptis import Inscriptis
    from inscriptis.model.config import ParserConfig

    source = source.strip()
    if not source:
        return ""
    if source.startswith("<?xml"):
        source = re.sub(r"^<\?xml[^>]*\?>", "", source, count=1)
    # lxml refuses NUL bytes and some control characters in text: drop them first.
    source = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", source)
    try:
        tree = lxml.html.document_fromstring(source)
    except (lxml.etree.ParserError, ValueError):
        return _fallback(source)

    doomed = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.lower()
        if not tag:  # comments, processing instructions
            doomed.append(element)
        elif tag == "script":
            result.scripts += 1
            doomed.append(element)
        elif tag in _ACTIVE or tag in _FRAMES or tag in _FORM_FIELDS:
            doomed.append(element)
        elif tag in _FORMS:
            result.forms += 1
            doomed.append(element)
        elif tag == "img":
            if _REMOTE.match(element.get("src") or "") or _REMOTE.match(
                element.get("srcset") or ""
            ):
                result.remote_images += 1
            doomed.append(element)
        elif tag == "a":
            _number_link(element, result, first_link)
    for element in doomed:
        parent = element.getparent()
        if parent is None:
            continue
        if isinstance(element.tag, str):
            element.drop_tree()  # keeps the tail text
        else:
            _drop_keep_tail(element, parent)
    config = ParserConfig(display_images=False, display_links=False, display_anchors=False)
    return str(Inscriptis(tree, config).get_text())


def _drop_keep_tail(element: object, parent: object) -> None:
    tail = getattr(element, "tail", None)
    previous = element.getprevious()  # type: ignore[attr-defined]
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail  # type: ignore[attr-defined]
    parent.remove(element)  # type: ignore[attr-defined]


def _number_link(element: object, result: HtmlText, first_link: int) -> None:
    href = (element.get("href") or "").strip()  # type: ignore[attr-defined]
    if not href or href.startswith("#") or len(result.links) >= MAX_LINKS:
        return
    if href.lower().startswith(("javascript:", "vbscript:", "data:")):
        result.scripts += 1
        return
    text = clean_line(" ".join(element.text_content().split()))[:300]  # type: ignore[attr-defined]
    result.links.append((text, clean_line(href)[:2000]))
    number = first_link + len(result.links) - 1
    element.tail = f" [{number}]" + (element.tail or "")  # type: ignore[attr-defined]
