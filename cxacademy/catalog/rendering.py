"""Lesson Markdown to safe HTML, once, at import or save: markdown-it-py, then nh3 with an allow-list."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

# Internal links in lesson Markdown, resolved to site paths when rendered.
TOOL_PATHS = {
    "metrics-lab": "/tools/metrics-lab",
    "5d-assessment": "/tools/5d-assessment",
    "glossary": "/glossary",
}
LESSON_PATH = "/lessons/{}"

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_TURKISH_FOLD = str.maketrans({"ı": "i", "İ": "i", "ş": "s", "Ş": "s", "ğ": "g", "Ğ": "g", "ç": "c", "Ç": "c",
                               "ö": "o", "Ö": "o", "ü": "u", "Ü": "u", "ß": "ss"})


def slugify(text: str) -> str:
    """An ASCII anchor for a heading ("Müşteri Yolculuğu" -> "musteri-yolculugu")."""
    folded = unicodedata.normalize("NFKD", text.translate(_TURKISH_FOLD)).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug or "section"


@dataclass(frozen=True)
class RenderedLesson:
    html: str
    toc: list[dict]
    internal_links: list[tuple[str, str, int]]  # (kind, target, line) for the checker


def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(anchors_plugin, min_level=2, max_level=3, slug_func=slugify)
    return md


_MD = _markdown()


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str, line_offset: int = 0) -> RenderedLesson:
    """Render lesson Markdown. `lesson:<id>` and `tool:<name>` links become site paths; the
    links are also returned (with their source line) so the checker can verify they resolve."""
    tokens = _MD.parse(source)
    toc: list[dict] = []
    links: list[tuple[str, str, int]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            inline = tokens[index + 1]
            toc.append({"level": int(token.tag[1]), "anchor": token.attrGet("id"), "text": inline.content})
        if token.type != "inline" or not token.children:
            continue
        line = (token.map[0] if token.map else 0) + 1 + line_offset
        for child in token.children:
            if child.type != "link_open":
                continue
            href = child.attrGet("href") or ""
            kind, _, target = href.partition(":")
            if kind == "lesson" and target:
                links.append(("lesson", target, line))
                child.attrSet("href", LESSON_PATH.format(target))
            elif kind == "tool" and target:
                links.append(("tool", target, line))
                child.attrSet("href", TOOL_PATHS.get(target, "/"))
    html = _MD.renderer.render(tokens, _MD.options, {})
    return RenderedLesson(html=sanitise(html), toc=toc, internal_links=links)
