"""Lesson Markdown is rendered once and sanitised: no script, handler, javascript: link or iframe survives."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cxacademy.catalog.rendering import render_markdown, slugify

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<div onclick=\"alert(1)\">x</div>",
    "<body onload=alert(1)>",
    "<object data=\"x.swf\"></object>",
    "<embed src=\"x.swf\">",
    "<style>body{display:none}</style>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<details open ontoggle=alert(1)>",
    "<form action=\"https://evil.example\"><input name=x></form>",
    "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
    "<base href=\"https://evil.example/\">",
    "[x](https://example.com \"title\" onmouseover=\"alert(1)\")",
    "<a href=\"https://example.com\" style=\"position:fixed\">x</a>",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=\"x\" alt=\"\" onerror=\"alert(1)\"/>",
    "## Heading <img src=x onerror=alert(1)>",
]

FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "meta", "base", "form", "input", "svg", "math",
                  "body", "details", "link"}
URL_ATTRIBUTES = {"href", "src", "xlink:href", "action", "formaction"}


class ElementAudit(HTMLParser):
    """Collects every real element and attribute in rendered HTML (escaped text is not an element)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag}[{name}]")
            if name in URL_ATTRIBUTES and re.match(r"\s*(javascript|vbscript|data):", value or "", re.I):
                self.problems.append(f"{tag}[{name}={value}]")


def audit(html: str) -> list[str]:
    parser = ElementAudit()
    parser.feed(html)
    return parser.problems


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_xss_payload_survives_rendering(payload):
    html = render_markdown(f"Intro\n\n{payload}\n\nOutro").html
    assert audit(html) == [], html


def test_the_audit_itself_catches_dangerous_html():
    assert audit('<p><img src=x onerror=alert(1)><a href="javascript:x">a</a><script></script></p>') == \
        ["img[onerror]", "a[href=javascript:x]", "<script>"]


def test_safe_markdown_keeps_its_structure():
    html = render_markdown("## Title\n\n**bold** *em* [site](https://example.com)\n\n- a\n- b\n").html
    assert '<h2 id="title">Title</h2>' in html
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer">site</a>' in html
    assert "<li>a</li>" in html


def test_internal_links_become_site_paths_and_are_reported():
    rendered = render_markdown("## A\n\nSee [b](lesson:other-lesson) and [lab](tool:metrics-lab).\n", line_offset=10)
    assert 'href="/lessons/other-lesson"' in rendered.html and 'href="/tools/metrics-lab"' in rendered.html
    assert rendered.internal_links == [("lesson", "other-lesson", 13), ("tool", "metrics-lab", 13)]


def test_headings_give_a_table_of_contents_with_ascii_anchors():
    rendered = render_markdown("## Müşteri Yolculuğu\n\ntext\n\n### İç Detay\n\n#### Not in toc\n")
    assert rendered.toc == [{"level": 2, "anchor": "musteri-yolculugu", "text": "Müşteri Yolculuğu"},
                            {"level": 3, "anchor": "ic-detay", "text": "İç Detay"}]


def test_slugify_folds_turkish_and_german_letters():
    assert slugify("Çağrı Şöleni & Größe") == "cagri-soleni-grosse"
