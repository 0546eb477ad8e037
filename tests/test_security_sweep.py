"""Security sweep: hostile text (tests/payloads.py) goes into every text input and every authored
Markdown field, as the role that owns it; then every page is rendered for every role and checked
that nothing of it runs: no handler attribute, no foreign script, no javascript: link, no frame.

One world is built per module (building it takes most of the run); each test checks one rule on it."""
from __future__ import annotations

import base64
import csv
import io
import itertools
import json
import re
import shutil
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from cxacademy import create_app
from cxacademy.accounts.models import User
from cxacademy.accounts.services import register_user
from cxacademy.assessment.models import Attempt, AttemptItem, Question, QuestionVersion
from cxacademy.authoring.models import LessonRevision
from cxacademy.catalog.models import Lesson, Module
from cxacademy.clock import now_utc
from cxacademy.cohorts.models import Cohort
from cxacademy.credentials.models import Certificate, CreditActivity, ExternalCredential
from cxacademy.extensions import db
from cxacademy.tools.forms import CALCULATORS
from cxacademy.tools.models import FiveDAssessment

from .conftest import PASSWORD, FreshContextClient, make_config, smtp_inbox
from .course_files import course_with_questions
from .payloads import ALL, FORMULAS, MARKDOWN, NUMBERS, ODD, SQL, TEMPLATE, TEMPLATE_RESULTS, XSS
from .test_access import ACCESS, RANK

ROOT = Path(__file__).resolve().parent.parent
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_EDIT_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]*)"')


# The page audit --------------------------------------------------------------------------------
DANGEROUS_TAGS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "math", "video",
                  "audio", "source", "noscript", "template", "mglyph", "portal", "xmp", "plaintext", "listing",
                  "isindex"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "srcset"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


def _dangerous_url(value: str | None) -> bool:
    # Browsers ignore white space and control characters inside a scheme ("java\tscript:").
    squeezed = "".join(ch for ch in (value or "") if ord(ch) > 32).lower()
    return squeezed.startswith(BAD_SCHEMES)


class PageAudit(HTMLParser):
    """Every real element and attribute of a page (html.parser decodes entities in attribute values,
    so an encoded javascript: is seen decoded). Escaped text is text, not an element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)
        if tag == "script":
            self._in_script = True

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data.strip()[:40]!r}")

    def _check(self, tag, attrs):
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script src={values.get('src')!r}>")
        if tag in DANGEROUS_TAGS:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in values:
            self.problems.append("<meta http-equiv>")
        own_stylesheet = values.get("rel") == "stylesheet" and (values.get("href") or "").startswith("/static/")
        if tag == "link" and not own_stylesheet:
            self.problems.append(f"<link href={values.get('href')!r}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{tag}[{name}]")
            elif name in ("srcdoc", "style"):
                self.problems.append(f"{tag}[{name}]")
            elif name in URL_ATTRIBUTES and _dangerous_url(value):
                self.problems.append(f"{tag}[{name}={value!r}]")


def audit(html: str) -> list[str]:
    parser = PageAudit()
    parser.feed(html)
    parser.close()
    problems = parser.problems
    problems += [f"template evaluated: {result!r}" for result in TEMPLATE_RESULTS if result in html]
    return problems


def test_the_page_audit_catches_each_kind_of_unescaped_payload():
    clean = ('<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="/static/css/app.css">'
             '</head><body><p title="&lt;script&gt;">&lt;img src=x onerror=alert(1)&gt; tpl-a{{7*7}}tpl-a</p>'
             '<a href="/lessons/x">ok</a><img src="data:image/png;base64,AA" alt="">'
             '<script src="/static/js/attempt.js" defer></script></body></html>')
    assert audit(clean) == []
    samples = {
        "<script>alert(1)</script>": "inline script",
        "<script src=//evil.example/x.js></script>": "<script src='//evil.example/x.js'>",
        "<img src=x onerror=alert(1)>": "img[onerror]",
        "<svg onload=alert(1)>": "svg[onload]",
        '<a href="jAvAsCrIpT:alert(1)">x</a>': "a[href=",
        '<a href="java&#x09;script:alert(1)">x</a>': "a[href=",
        '<a href="&#106;avascript:alert(1)">x</a>': "a[href=",
        '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>': "a[href=",
        '<form action="vbscript:x"></form>': "form[action=",
        '<button formaction="javascript:x">b</button>': "button[formaction=",
        '<iframe srcdoc="x"></iframe>': "<iframe>",
        "<object data=x></object>": "<object>",
        "<embed src=x>": "<embed>",
        '<base href="https://evil.example/">': "<base>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example">': "<meta http-equiv>",
        "<style>body{display:none}</style>": "<style>",
        '<div style="color:red">x</div>': "div[style]",
        "<math><mi>x</mi></math>": "<math>",
        '<link rel=stylesheet href="https://evil.example/x.css">': "<link href=",
        '<p srcdoc="x">': "p[srcdoc]",
        "<p>tpl-a49tpl-a</p>": "template evaluated",
    }
    for sample, expected in samples.items():
        problems = audit(f"<html><body><p>before</p>{sample}<p>after</p></body></html>")
        assert any(expected in problem for problem in problems), (sample, problems)


def test_the_corpus_has_at_least_fifty_payloads_of_every_kind():
    assert len(set(ALL)) == len(ALL) >= 50
    assert len(XSS) >= 30 and MARKDOWN and TEMPLATE and SQL and FORMULAS and ODD and NUMBERS


# Building the world ----------------------------------------------------------------------------
class Sweep:
    """Clients for each role, the ids of what they made, and every problem seen on the way."""

    def __init__(self, app):
        self.app = app
        self.tokens: dict = {}  # client -> its session's CSRF token
        self.errors: list[str] = []       # 5xx answers or exceptions
        self.problems: list[str] = []     # unescaped markup in an HTML answer
        self.json_answers: list[tuple[str, str, str]] = []  # (label, content type, body)
        self.headers: list[tuple[str, list[tuple[str, str]]]] = []  # (label, response headers)
        self.sent = 0
        self.used: Counter = Counter()
        self._rotation = itertools.cycle(ALL)
        self.pages: dict[str, list[tuple[str, str]]] = {}  # role -> [(url, html)] of the final walk
        self.downloads: list = []  # (role, url, response) of the final walk
        self.redirects: list[tuple[str, str]] = []  # (hostile next=, where the login went)
        self.preview_html: list[str] = []

    def payload(self) -> str:
        value = next(self._rotation)
        self.used[value] += 1
        return value

    def storable(self) -> str:
        """The next payload without NUL characters, for forms that must save (NUL alone gets a 400)."""
        return self.payload().replace("\x00", "")

    def note(self, value: str) -> str:
        self.used[value] += 1
        return value

    def token(self, client, fresh=False) -> str:
        if fresh or client not in self.tokens:
            page = client.get("/password/forgot")
            match = _TOKEN.search(page.get_data(as_text=True))
            assert match, "no CSRF token on /password/forgot"
            self.tokens[client] = match.group(1)
        return self.tokens[client]

    def request(self, client, method: str, url: str, label: str, **kwargs):
        self.sent += 1
        try:
            response = client.open(url, method=method, **kwargs)
        except Exception as exc:  # TESTING propagates what would be a 500 in production
            self.errors.append(f"{label}: {method} {url[:120]!r} raised {exc!r}"[:400])
            return None
        body = response.get_data()
        response.close()
        status, mimetype = response.status_code, response.mimetype
        if status >= 500:
            self.errors.append(f"{label}: {method} {url[:120]!r} answered {status}")
        self.headers.append((f"{label}: {method} {url[:80]!r}", list(response.headers.items())))
        if mimetype == "text/html":
            html = body.decode("utf-8")
            self.problems += [f"{label}: {method} {url[:120]!r}: {problem}" for problem in audit(html)]
            response.html = html
        response.body = body
        return response

    def get(self, client, url, label, **kwargs):
        return self.request(client, "GET", url, label, **kwargs)

    def post(self, client, url, data, label, **kwargs):
        response = self.request(client, "POST", url, label, data={"csrf_token": self.token(client), **data}, **kwargs)
        if response is not None and response.status_code == 400 and b"Your form has expired" in response.body:
            response = self.request(client, "POST", url, label,
                                    data={"csrf_token": self.token(client, fresh=True), **data}, **kwargs)
        return response

    def post_json(self, client, url, payload, label):
        """What the page scripts send (live preview, answer autosave); they read the answer as JSON."""
        response = self.request(client, "POST", url, label, json=payload,
                                headers={"X-CSRFToken": self.token(client), "Accept": "application/json"})
        if response is not None:
            self.json_answers.append((f"{label}: POST {url!r}", response.content_type, response.body.decode("utf-8")))
        return response

    def login(self, client, email):
        response = self.post(client, "/login", {"email": email, "password": PASSWORD}, "login")
        assert response.status_code == 302, response.status_code


def _client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sweep")
    app = create_app(make_config(tmp, EVIDENCE_FOLDER=str(tmp / "evidence")))
    app.test_client_class = FreshContextClient
    with smtp_inbox(app) as inbox, app.app_context():
        db.drop_all()
        db.create_all()
        try:
            sweep = Sweep(app)
            sweep.inbox = inbox
            _build(sweep, tmp)
            yield sweep
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def _build(sweep: Sweep, tmp: Path) -> None:
    app = sweep.app
    root = course_with_questions(tmp / "content")
    shutil.copy(ROOT / "content" / "credential_rules.yaml", root / "credential_rules.yaml")
    result = app.test_cli_runner().invoke(args=["content", "import", str(root)])
    assert result.exit_code == 0, result.output

    admin = register_user(name=sweep.note("<img src=x onerror=alert('admin')>"), email="admin@example.com",
                          password=PASSWORD, role="admin")
    trainer = register_user(name=sweep.note("\"><script>alert('trainer')</script>"),
                            email="trainer@example.com", password=PASSWORD, role="trainer")
    db.session.commit()
    sweep.admin_id, sweep.trainer_id = admin.id, trainer.id
    sweep.clients = {"anonymous": _client(app), "learner": _client(app), "trainer": _client(app), "admin": _client(app)}
    sweep.login(sweep.clients["trainer"], "trainer@example.com")
    sweep.login(sweep.clients["admin"], "admin@example.com")

    _anonymous_inputs(sweep)
    _authoring_inputs(sweep)
    _learner_inputs(sweep)
    _cohort_inputs(sweep)
    _admin_inputs(sweep)
    _certificates_for_payload_names(sweep)
    _url_parameters(sweep)
    _nul_characters(sweep)
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        from cxacademy.credentials.reminders import send_reminders

        send_reminders(today=now_utc().date() + timedelta(days=3), now=now_utc(), echo=lambda *_: None)
        db.session.commit()
    _walk(sweep)


# Public forms ----------------------------------------------------------------------------------
def _anonymous_inputs(sweep: Sweep) -> None:
    app, anonymous = sweep.app, sweep.clients["anonymous"]
    registered = 0
    for n in range(12):
        client = _client(app)
        name = sweep.payload()
        email = f"learner{n}@example.com"
        response = sweep.post(client, "/register", {"name": name, "email": email, "password": PASSWORD,
                                                    "confirm": PASSWORD}, "register name")
        if response is not None and response.status_code == 302:
            registered += 1
            if not hasattr(sweep, "main_email"):
                sweep.main_email = email
                sweep.clients["learner"] = client
    assert registered >= 6 and getattr(sweep, "main_email", None)
    for _ in range(6):
        email = sweep.payload()
        sweep.post(_client(app), "/register", {"name": "Someone", "email": email, "password": PASSWORD,
                                               "confirm": PASSWORD}, "register email")
    for _ in range(8):
        sweep.post(anonymous, "/login?next=" + quote(sweep.payload()), {"email": sweep.payload(),
                                                                        "password": sweep.payload()}, "login")
        sweep.get(anonymous, "/login?next=" + quote(sweep.payload()), "login next")
        sweep.post(anonymous, "/password/forgot", {"email": sweep.payload()}, "forgot password")
        sweep.post(anonymous, "/password/reset/" + quote(sweep.payload(), safe=""),
                   {"password": sweep.payload(), "confirm": sweep.payload()}, "reset password")
        sweep.post(anonymous, "/language", {"lang": sweep.payload(), "next": sweep.payload()}, "language lang")
        sweep.post(anonymous, "/language", {"lang": "tr", "next": sweep.payload()}, "language next")
    sweep.post(anonymous, "/language", {"lang": "en", "next": "/"}, "language back")
    # A real reset mail for a learner whose name is a payload.
    sweep.post(anonymous, "/password/forgot", {"email": sweep.main_email}, "forgot password")
    # A successful log in with a hostile next= stays on this site.
    client = _client(app)
    for target in ("/dashboard\r\nSet-Cookie: injected=1", "javascript:alert(1)", "//evil.example", "/\\evil.example"):
        response = sweep.post(client, "/login?next=" + quote(target, safe=""),
                              {"email": sweep.main_email, "password": PASSWORD}, "login next")
        sweep.redirects.append((target, response.headers.get("Location", "")))
        sweep.post(client, "/logout", {}, "logout")


# Authoring: modules, lessons (Markdown, EN and TR), questions, question import --------------------
def _one_line(text: str) -> str:
    return re.sub(r"[\r\n]+", " ", text)


def _lesson_fields(sweep: Sweep, language: str, payloads: list[str]) -> dict:
    objectives = "\n".join(sweep.storable() for _ in range(4))
    terms = []
    for _ in range(3):
        parts = [sweep.storable(), sweep.storable()] + ([sweep.storable()] if language != "en" else [])
        terms.append(" | ".join(_one_line(part).replace("|", "/") for part in parts))
    body = "## " + _one_line(sweep.storable()) + "\n\n" + "\n\n".join(payloads) + "\n\n### End\n\nDone.\n"
    return {"title": _one_line(sweep.storable())[:200], "objectives": objectives, "key_terms": "\n".join(terms),
            "body_markdown": body}


def _publish(sweep: Sweep, lesson_id: str, language: str, payloads: list[str], action="publish") -> None:
    trainer = sweep.clients["trainer"]
    url = f"/authoring/lessons/{lesson_id}/{language}"
    page = sweep.get(trainer, url, "editor")
    token = _EDIT_TOKEN.search(page.html).group(1)
    fields = _lesson_fields(sweep, language, payloads)
    response = sweep.post(trainer, url, {"token": token, **fields, action: "1"}, f"lesson {action}")
    if action != "preview" and response is not None:
        assert response.status_code == 302, (lesson_id, language, response.status_code)


def _markdown_bodies(sweep: Sweep) -> list[list[str]]:
    """Every XSS and Markdown payload, in blocks and inline, shared out over four lesson texts."""
    everything = [sweep.note(p) for p in XSS + MARKDOWN + TEMPLATE + SQL + FORMULAS + ODD if "\x00" not in p]
    inline = [f"Text {sweep.note(p)} more text." for p in XSS + MARKDOWN]
    return [everything, inline, list(reversed(everything)), [f"- {p}" for p in XSS + MARKDOWN]]


def _authoring_inputs(sweep: Sweep) -> None:
    trainer = sweep.clients["trainer"]
    # Modules: titles and summaries in both languages, an existing one and a new one.
    for url, module_id in (("/authoring/modules/mod-1", ""), ("/authoring/modules/new", "sweep-mod")):
        for attempt in range(3):
            data = {"module_id": module_id if attempt else sweep.storable(), "area": "fundamentals",
                    "competency": "", "pass_mark": "70", "validity": "12"}
            for language in ("en", "tr"):
                data[f"title_{language}"] = sweep.storable()
                data[f"summary_{language}"] = sweep.storable()
            sweep.post(trainer, url, data, "module edit")
        data = {name: sweep.storable() for name in ("module_id", "area", "competency", "pass_mark", "validity")}
        sweep.post(trainer, url, {**data, "title_en": "", "title_tr": "", "summary_en": "", "summary_tr": ""},
                   "module edit")
    assert db.session.get(Module, "sweep-mod") is not None, "the new module was not saved"
    # A new lesson, published in both languages so learners see it.
    for _ in range(3):
        sweep.post(trainer, "/authoring/lessons/new", {"module": "mod-1", "lesson_id": sweep.payload(),
                                                       "minutes": sweep.payload()}, "lesson new")
    sweep.post(trainer, "/authoring/lessons/new", {"module": sweep.payload(), "lesson_id": "x", "minutes": "5"},
               "lesson new")
    response = sweep.post(trainer, "/authoring/lessons/new", {"module": "mod-1", "lesson_id": "sweep-lesson",
                                                              "minutes": "5"}, "lesson new")
    assert response.status_code == 302
    bodies = _markdown_bodies(sweep)
    for index, (lesson_id, language) in enumerate(itertools.product(("m1-lesson-1", "m1-lesson-2", "sweep-lesson"),
                                                                     ("en", "tr"))):
        _publish(sweep, lesson_id, language, bodies[index % len(bodies)])
    _publish(sweep, "m1-lesson-1", "en", bodies[1], action="preview")
    _publish(sweep, "m1-lesson-2", "tr", bodies[0], action="save")  # a draft, shown in the editor
    # Editor fields that fail validation (too long, empty) come back in the form.
    page = sweep.get(trainer, "/authoring/lessons/m1-lesson-1/tr", "editor")
    token = _EDIT_TOKEN.search(page.html).group(1)
    sweep.post(trainer, "/authoring/lessons/m1-lesson-1/tr",
               {"token": token, "title": "Ş" * 300, "objectives": sweep.payload(), "key_terms": sweep.payload(),
                "body_markdown": sweep.payload(), "publish": "1"}, "lesson invalid")
    sweep.post(trainer, "/authoring/lessons/m1-lesson-1/tr", {"token": sweep.payload(), "title": sweep.payload(),
                                                              "objectives": "x", "key_terms": "",
                                                              "body_markdown": "x", "publish": "1"}, "lesson conflict")
    for body in bodies:
        response = sweep.post_json(trainer, "/authoring/preview", {"markdown": "\n\n".join(body)}, "live preview")
        sweep.preview_html.append(json.loads(response.body)["html"])
    for body in ({"markdown": ["<script>"]}, ["<script>alert(1)</script>"], "<script>alert(1)</script>", None, 7):
        sweep.post_json(trainer, "/authoring/preview", body, "live preview")
    revision = db.session.scalar(select(LessonRevision.id).where(LessonRevision.source == "import").limit(1))
    sweep.post(trainer, f"/authoring/revisions/{revision}/restore", {}, "restore")
    # Every question of the course gets hostile stems, options, rationales and explanations.
    questions = db.session.scalars(select(Question).order_by(Question.id)).all()
    for number, question in enumerate(questions):
        version = db.session.get(QuestionVersion, question.current_version_id)
        data = {"type": question.type, "lesson": question.lesson_id, "competency": question.competency,
                "dimension": "", "difficulty": str(question.difficulty)}
        for option_id in version.correct:
            data[f"correct_{option_id}"] = "on"
        for language in ("en", "tr"):
            data[f"stem_{language}"] = f"{sweep.storable()} (q{number}{language})"
            data[f"explanation_{language}"] = sweep.storable()
            for option_id in version.option_ids:
                data[f"option_{option_id}_{language}"] = sweep.storable()
                data[f"rationale_{option_id}_{language}"] = sweep.storable()
        response = sweep.post(trainer, f"/authoring/questions/{question.id}/edit", data, "question edit")
        assert response is None or response.status_code in (302, 422), response.status_code
    sweep.edited_questions = sum(1 for q in db.session.scalars(select(QuestionVersion.version)) if q > 1)
    for _ in range(3):
        data = {name: sweep.payload() for name in ("id", "type", "lesson", "competency", "dimension", "difficulty",
                                                     "stem_en", "stem_tr", "explanation_en", "option_a_en",
                                                     "rationale_a_en", "option_b_tr")}
        data["correct_a"] = "on"
        sweep.post(trainer, "/authoring/questions/new/mod-1", data, "question new")
    data = {"id": "sweep-q", "type": "single", "lesson": "m1-lesson-1", "competency": "insights", "dimension": "",
            "difficulty": "2", "correct_a": "on"}
    for language in ("en", "tr"):
        data[f"stem_{language}"] = f"{sweep.storable()} (new {language})"
        for name in ("explanation", "option_a", "rationale_a", "option_b", "rationale_b"):
            data[f"{name}_{language}"] = sweep.storable()
    assert sweep.post(trainer, "/authoring/questions/new/mod-1", data, "question new").status_code == 302
    _question_import(sweep)


def _question_files(sweep: Sweep) -> dict[str, str]:
    def gift_safe(text):
        return re.sub(r"([~=#{}:\\])", r"\\\1", text.replace("\n", " "))

    gift = "\n\n".join(f"::{gift_safe(sweep.payload())}:: {gift_safe(sweep.payload())} {{\n"
                       f"  ={gift_safe(sweep.payload())}#{gift_safe(sweep.payload())}\n"
                       f"  ~{gift_safe(sweep.payload())}#{gift_safe(sweep.payload())}\n}}" for _ in range(4))
    gift += "\n\n" + "\n".join(sweep.payload() for _ in range(4))  # unreadable lines are listed back
    aiken = "\n\n".join(f"{sweep.payload()}\nA. {sweep.payload()}\nB. {sweep.payload()}\nANSWER: A".replace("\r", "")
                        for _ in range(4))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["type", "stem", "option_a", "option_b", "correct", "explanation", "rationale_a", "rationale_b"])
    for _ in range(4):
        writer.writerow(["single"] + [sweep.payload() for _ in range(3)] + ["a"] + [sweep.payload() for _ in range(3)])
    writer.writerow([sweep.payload() for _ in range(8)])
    xml = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>']
    for _ in range(4):
        def text(value):
            return f"<text><![CDATA[{value.replace(']]>', '')}]]></text>"
        xml.append(f'<question type="multichoice"><name>{text(sweep.payload())}</name>'
                   f'<questiontext format="html">{text(sweep.payload())}</questiontext>'
                   f'<generalfeedback format="html">{text(sweep.payload())}</generalfeedback><single>true</single>'
                   + "".join(f'<answer fraction="{fraction}" format="html">{text(sweep.payload())}'
                             f'<feedback>{text(sweep.payload())}</feedback></answer>' for fraction in (100, 0)) +
                   '</question>')
    xml.append(f"<question type=\"{escape(sweep.payload())}\"></question></quiz>")
    return {"gift": gift, "aiken": aiken, "csv": buffer.getvalue(), "moodle_xml": "".join(xml)}


def _question_import(sweep: Sweep) -> None:
    trainer = sweep.clients["trainer"]
    choices = {"language": "en", "module": "mod-1", "lesson": "m1-lesson-1", "competency": "metrics"}
    for fmt, text in _question_files(sweep).items():
        data = text.replace("\x00", "").encode("utf-8")
        preview = sweep.post(trainer, "/authoring/questions/import",
                             {**choices, "format": fmt, "file": (io.BytesIO(data), sweep.payload())},
                             "question import preview", content_type="multipart/form-data")
        match = re.search(r'name="payload" value="([^"]+)"', preview.html)
        if match:
            sweep.post(trainer, "/authoring/questions/import", {**choices, "format": fmt, "payload": match.group(1),
                                                                "confirm": "yes"}, "question import confirm")
    for _ in range(3):
        sweep.post(trainer, "/authoring/questions/import",
                   {"language": sweep.payload(), "module": sweep.payload(), "lesson": sweep.payload(),
                    "competency": sweep.payload(), "format": sweep.payload(),
                    "payload": base64.b64encode(sweep.payload().encode()).decode()}, "question import choices")
    sweep.post(trainer, "/authoring/questions/import", {**choices, "format": "gift", "payload": sweep.payload()},
               "question import payload")
    sweep.post(trainer, "/authoring/questions/import",
               {**choices, "format": "csv", "file": (io.BytesIO(b"type,stem\x00,x"), "nul.csv")},
               "question import binary", content_type="multipart/form-data")


# Learner: profile, password, credentials, tools, practice, lessons, quizzes, answers --------------
def _learner_inputs(sweep: Sweep) -> None:
    learner = sweep.clients["learner"]
    sweep.learner_id = db.session.scalar(select(User.id).where(User.email == sweep.main_email))
    for _ in range(6):
        sweep.post(learner, "/profile", {"name": sweep.payload(), "locale": "en", "review_retention": "0.9"}, "profile")
    sweep.post(learner, "/profile", {"name": sweep.payload(), "locale": sweep.payload(),
                                     "review_retention": sweep.payload()}, "profile choices")
    sweep.post(learner, "/profile", {"name": sweep.note("<svg onload=alert(1)>"), "locale": "en",
                                     "review_retention": "0.9"}, "profile")
    for _ in range(3):
        sweep.post(learner, "/profile/password", {"current_password": sweep.payload(), "password": sweep.payload(),
                                                  "confirm": sweep.payload()}, "change password")
    for _ in range(4):
        sweep.get(learner, "/glossary?q=" + quote(sweep.payload()), "glossary search")
    # Credentials: the CCXP with a hostile number, credit activities with hostile titles and file names.
    for _ in range(4):
        sweep.post(learner, "/credentials", {"rule": sweep.payload(), "earned_on": sweep.payload(),
                                             "credential_number": sweep.payload()}, "credential")
    response = None
    for _ in range(6):
        response = sweep.post(learner, "/credentials", {"rule": "ccxp", "earned_on": "2025-03-01",
                                                        "credential_number": sweep.payload()}, "credential")
        if response.status_code == 302:
            break
    credential = db.session.scalar(select(ExternalCredential.id).where(ExternalCredential.user_id == sweep.learner_id))
    assert credential, "no credential was recorded"
    url = f"/credentials/ccxp/{credential}/activities"
    today = now_utc().date().isoformat()
    for value in ALL:  # every payload through one field that is always shown back: the activity title
        response = sweep.post(learner, url, {"activity_on": today, "title": sweep.note(value),
                                             "provider": sweep.storable()[:200], "credits": "1",
                                             "category": "realtime"}, "activity title")
        if response is not None and "\x00" not in value:  # NUL: see _nul_characters
            assert response.status_code == (302 if len(value) <= 200 else 422), (value, response.status_code)
    for name in [sweep.payload() for _ in range(6)] + ["x\r\nSet-Cookie: injected=1.pdf", '"; filename=evil.exe',
                                                      "evil\x00.pdf", "../../../etc/passwd"]:
        sweep.post(learner, url, {"activity_on": today, "title": "With evidence", "provider": sweep.payload(),
                                  "credits": "0.5", "category": "realtime", "evidence": (io.BytesIO(PDF), name)},
                   "activity evidence", content_type="multipart/form-data")
    for number in NUMBERS:
        sweep.post(learner, url, {"activity_on": today, "title": "Numbers", "provider": "CXPA",
                                  "credits": sweep.note(number), "category": "realtime"}, "activity credits")
    for _ in range(4):
        sweep.post(learner, url, {"activity_on": sweep.payload(), "title": sweep.payload(), "provider": sweep.payload(),
                                  "credits": sweep.payload(), "category": sweep.payload()}, "activity fields")
        sweep.post(learner, f"/credentials/ccxp/{credential}/renewal", {"renewed_on": sweep.payload()}, "renewal")
        sweep.post(learner, "/credentials/preferences", {"email_ccxp_reminders": sweep.payload(),
                                                         "email_certificate_reminders": sweep.payload(),
                                                         "email_assignment_reminders": "1"}, "preferences")
    # Tools: every calculator field, the 5D self-assessment.
    for slug, form_class in CALCULATORS.items():
        with sweep.app.test_request_context():
            fields = [name for name in form_class(meta={"csrf": False}, formdata=None).data if name != "submit"]
        for _ in range(2):
            sweep.post(learner, f"/tools/metrics-lab/{slug}", {name: sweep.payload() for name in fields}, "calculator")
    from cxacademy.tools.forms import FiveDAssessmentForm

    with sweep.app.test_request_context():
        form = FiveDAssessmentForm(meta={"csrf": False}, formdata=None)
        rating_fields = [field.name for _code, _name, _question, group in form.groups() for field in group]
    sweep.post(learner, "/tools/5d-assessment", {name: sweep.payload() for name in rating_fields}, "5D")
    sweep.post(learner, "/tools/5d-assessment", {name: "3" for name in rating_fields}, "5D")
    # Practice choices, quiz modes, mock blueprint.
    for _ in range(3):
        sweep.post(learner, "/practice/set", {"competency": sweep.payload(), "module": sweep.payload(),
                                              "dimension": sweep.payload(), "count": sweep.payload(),
                                              "wrong_only": sweep.payload()}, "practice set")
        sweep.post(learner, "/practice/mock", {"blueprint": sweep.payload()}, "mock blueprint")
        sweep.post(learner, "/lessons/m1-lesson-1/quiz", {"mode": sweep.payload()}, "quiz mode")
    lessons = db.session.scalars(select(Lesson.id).where(Lesson.retired_at.is_(None)).order_by(Lesson.position)).all()
    for lesson_id in lessons:
        sweep.get(learner, f"/lessons/{lesson_id}", "lesson page")
        sweep.post(learner, f"/lessons/{lesson_id}/complete", {"then": sweep.payload()}, "complete lesson")
    # A practice set and the module quiz: every question page, hostile answers by form and by autosave JSON.
    response = sweep.post(learner, "/practice/set", {"competency": "", "module": "mod-1", "dimension": "",
                                                     "count": "30"}, "practice set")
    assert response.status_code == 302, response.status_code
    _answer_everything(sweep, response.headers["Location"], correct=False)
    response = sweep.post(learner, "/modules/mod-1/quiz", {"mode": "exam"}, "module quiz")
    assert response.status_code == 302, response.status_code
    _answer_everything(sweep, response.headers["Location"], correct=True)


def _answer_everything(sweep: Sweep, location: str, *, correct: bool) -> None:
    learner = sweep.clients["learner"]
    attempt_id = int(re.search(r"/attempts/(\d+)", location).group(1))
    attempt = db.session.get(Attempt, attempt_id)
    items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)
                               .order_by(AttemptItem.position)).all()
    url = f"/attempts/{attempt_id}/answer"
    # Positions that are no question of the attempt, and JSON of the wrong shape.
    for position in (10**20, -1, 0, 1.5, True, None, [1], {"x": 1}, "1"):
        sweep.post_json(learner, url, {"position": position, "option": [sweep.payload()]}, "answer autosave")
    sweep.post_json(learner, url, [1, sweep.payload()], "answer autosave")
    sweep.post_json(learner, url, sweep.payload(), "answer autosave")
    for position in ("99999999999999999999", "0", "-1", str(len(items) + 1)):
        sweep.post(learner, url, {"position": position, "option": "a"}, "answer form")
        sweep.post(learner, url, {"position": position, "flag": "on"}, "answer flag")
    for item in items:
        sweep.get(learner, f"/attempts/{attempt_id}?q={item.position}", "attempt page")
        sweep.post(learner, url, {"position": str(item.position), "option": sweep.payload(),
                                  "go": sweep.payload(), "flag": sweep.payload()}, "answer form")
        sweep.post_json(learner, url, {"position": item.position, "option": [sweep.payload()]}, "answer autosave")
        sweep.post_json(learner, url, {"position": sweep.payload(), "option": sweep.payload()}, "answer autosave")
        sweep.post_json(learner, url, {"position": item.position, "option": [None, 1, {"x": 1}, [2]]},
                        "answer autosave")
        version = db.session.get(QuestionVersion, item.question_version_id)
        chosen = version.correct if correct else version.option_ids[:1]
        sweep.post_json(learner, url, {"position": item.position, "option": list(chosen)}, "answer autosave")
        sweep.get(learner, f"/attempts/{attempt_id}?q={item.position}", "attempt page")
    sweep.get(learner, f"/attempts/{attempt_id}/finish", "finish page")
    response = sweep.post(learner, f"/attempts/{attempt_id}/submit", {}, "submit")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Attempt, attempt.id).submitted_at is not None


# Trainer: cohorts, members by text and CSV, assignments, extra time, revoking ----------------------
def _cohort_inputs(sweep: Sweep) -> None:
    trainer = sweep.clients["trainer"]
    for _ in range(5):
        sweep.post(trainer, "/trainer/cohorts", {"name": sweep.payload()}, "cohort name")
    cohort_id = db.session.scalar(select(func.min(Cohort.id)))
    assert cohort_id, "no cohort was created"
    sweep.cohort_id = cohort_id
    url = f"/trainer/cohorts/{cohort_id}"
    registered = db.session.scalars(select(User.email).where(User.role == "learner")).all()
    lines = list(registered)
    lines += [f"new{n}@example.com, {sweep.payload().replace(chr(10), ' ').replace(chr(13), ' ')}" for n in range(8)]
    lines += [sweep.payload().replace("\n", " ") for _ in range(6)]
    sweep.post(trainer, f"{url}/members", {"emails": "\n".join(lines)}, "members text")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["email", "name"])
    for n, formula in enumerate(FORMULAS + SQL + ["Ş" * 5000]):
        writer.writerow([f"formula{n}@example.com", sweep.note(formula)])
    writer.writerow([sweep.payload(), sweep.payload()])
    response = sweep.post(trainer, f"{url}/members", {"emails": "", "csv_file": (io.BytesIO(buffer.getvalue().encode()),
                                                                                 "learners.csv")},
                          "members csv", content_type="multipart/form-data")
    assert response is None or response.status_code == 200, response.status_code
    for name in (sweep.payload(), "nul.csv"):
        upload = (io.BytesIO(b"email,name\nnul@example.com,a\x00b\n"), name)
        sweep.post(trainer, f"{url}/members", {"emails": "", "csv_file": upload}, "members csv",
                   content_type="multipart/form-data")
    for _ in range(4):
        data = {name: sweep.payload() for name in ("kind", "module", "blueprint", "due_on")}
        sweep.post(trainer, f"{url}/assignments", data, "assignment")
    due = (now_utc().date() + timedelta(days=3)).isoformat()
    sweep.post(trainer, f"{url}/assignments", {"kind": "module", "module": "mod-1", "blueprint": "", "due_on": due},
               "assignment")
    sweep.post(trainer, f"{url}/assignments", {"kind": "mock", "module": "", "blueprint": "mini", "due_on": due},
               "assignment")
    sweep.post(trainer, f"{url}/members/{sweep.learner_id}/extra-time", {"extra_time_percent": sweep.payload()},
               "extra time")
    for _ in range(3):
        sweep.get(trainer, f"{url}/report?format=csv&table=" + quote(sweep.payload()), "report table")
        sweep.get(trainer, "/trainer/items?module=" + quote(sweep.payload()), "items module")
        sweep.get(trainer, "/authoring/questions?module=" + quote(sweep.payload()), "questions module")
        sweep.get(trainer, "/authoring/export.zip?module=" + quote(sweep.payload()), "export module")
        sweep.get(trainer, "/authoring/questions/export/mod-1.gift?language=" + quote(sweep.payload()), "export lang")
    certificate = db.session.scalar(select(Certificate.id).where(Certificate.user_id == sweep.learner_id)
                                    .order_by(Certificate.id.desc()).limit(1))
    assert certificate, "the learner's module quiz issued no certificate"
    field = f"certificate-{certificate}-reason"  # each revoke form is prefixed with its certificate
    sweep.post(trainer, f"/certificates/{certificate}/revoke", {field: "x" * 600}, "revoke")
    reason = sweep.note("<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>")
    sweep.post(trainer, f"/certificates/{certificate}/revoke", {field: reason}, "revoke")


def _admin_inputs(sweep: Sweep) -> None:
    admin = sweep.clients["admin"]
    for _ in range(5):
        sweep.get(admin, "/admin/users?q=" + quote(sweep.payload()) + "&role=" + quote(sweep.payload()), "user search")
    user_id = sweep.learner_id
    for _ in range(3):
        sweep.post(admin, f"/admin/users/{user_id}/role", {"role": sweep.payload()}, "role")
        sweep.post(admin, f"/admin/users/{user_id}/extra-time", {"extra_time_percent": sweep.payload()}, "extra time")
    other = db.session.scalar(select(User.id).where(User.email == "learner1@example.com"))
    sweep.post(admin, f"/admin/users/{other}/deactivate", {}, "deactivate")
    sweep.post(admin, f"/admin/users/{other}/reactivate", {}, "reactivate")


def _certificates_for_payload_names(sweep: Sweep) -> None:
    """Learners with hostile names complete the course; their certificate PDFs must still be made."""
    import random

    from cxacademy.assessment import services as assessment
    from cxacademy.catalog import services as catalog
    from cxacademy.credentials.services import issue_due_certificates

    names = [p for p in XSS[:3] + ODD + SQL[:2] + FORMULAS[:2] if "\x00" not in p]
    sweep.certificate_names = {}
    now = now_utc()
    for n, name in enumerate(names):
        user = register_user(name=sweep.note(name)[:120], email=f"graduate{n}@example.com", password=PASSWORD)
        db.session.flush()
        for lesson in db.session.scalars(select(Lesson).where(Lesson.retired_at.is_(None))):
            catalog.complete_lesson(user.id, lesson, now=now)
        attempt = assessment.start_module_quiz(user, db.session.get(Module, "mod-1"), "exam", now=now,
                                               rng=random.Random(n))
        for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)):
            correct = db.session.get(QuestionVersion, item.question_version_id).correct
            assessment.save_answer(attempt, item.position, correct, now=now)
        assessment.submit(attempt, now=now)
        for certificate in issue_due_certificates(user.id, now=now):
            sweep.certificate_names[certificate.id] = user.name
    db.session.commit()
    assert sweep.certificate_names


def _url_parameters(sweep: Sweep) -> None:
    """Payloads as path segments: never a server error, never echoed unescaped."""
    templates = ["/verify/{}", "/lessons/{}", "/modules/{}", "/authoring/lessons/{}/en",
                 "/authoring/lessons/m1-lesson-1/{}", "/authoring/questions/{}/edit", "/authoring/modules/{}",
                 "/password/reset/{}", "/tools/metrics-lab/{}", "/authoring/questions/export/{}.gift",
                 "/authoring/questions/new/{}"]
    roles = {"anonymous": ("/verify/{}", "/password/reset/{}"), "learner": templates, "trainer": templates}
    for role, urls in roles.items():
        for template in urls:
            for _ in range(4):
                url = template.format(quote(sweep.payload(), safe=""))
                sweep.get(sweep.clients[role], url, f"path parameter ({role})")
    # Ids beyond any database integer, in every <int:...> rule.
    for role in ("learner", "admin"):
        for rule in sweep.app.url_map.iter_rules():
            if any(f"<int:{argument}>" in rule.rule for argument in rule.arguments):
                url = re.sub(r"<int:\w+>", "99999999999999999999", rule.rule)
                url = re.sub(r"<\w+>", "x", url)
                if "GET" in rule.methods:
                    sweep.get(sweep.clients[role], url, f"huge id ({role})")
                else:
                    sweep.post(sweep.clients[role], url, {}, f"huge id ({role})")


def _nul_characters(sweep: Sweep) -> None:
    """PostgreSQL text cannot hold NUL: every way in answers 400 (on SQLite too), never a 500."""
    learner, trainer, admin = (sweep.clients[role] for role in ("learner", "trainer", "admin"))
    nul = sweep.note("nul\x00byte")
    credential = db.session.scalar(select(ExternalCredential.id).where(ExternalCredential.user_id == sweep.learner_id))
    requests = [
        (_client(sweep.app), "POST", "/register", {"name": nul, "email": "nul@example.com", "password": PASSWORD,
                                                  "confirm": PASSWORD}),
        (_client(sweep.app), "POST", "/login", {"email": nul, "password": PASSWORD}),
        (learner, "POST", "/profile", {"name": nul, "locale": "en", "review_retention": "0.9"}),
        (learner, "POST", f"/credentials/ccxp/{credential}/activities",
         {"activity_on": "2026-01-10", "title": nul, "provider": "CXPA", "credits": "1", "category": "realtime"}),
        (learner, "POST", f"/credentials/ccxp/{credential}/activities",
         {"activity_on": "2026-01-10", "title": "Evidence", "provider": "CXPA", "credits": "1", "category": "realtime",
          "evidence": (io.BytesIO(PDF), "evil\x00.pdf")}),
        (trainer, "POST", "/trainer/cohorts", {"name": nul}),
        (trainer, "POST", "/authoring/modules/mod-1", {"area": "fundamentals", "pass_mark": "70", "title_en": nul,
                                                      "title_tr": "x", "summary_en": "x", "summary_tr": "x"}),
        (trainer, "GET", "/lessons/" + quote(nul), None),
        (trainer, "GET", "/verify/" + quote(nul), None),
        (admin, "GET", "/admin/users?q=" + quote(nul), None),
        (trainer, "GET", "/trainer/items?module=" + quote(nul), None),
    ]
    sweep.nul_statuses = []
    for client, method, url, data in requests:
        if method == "GET":
            response = sweep.get(client, url, "NUL")
        else:
            response = sweep.post(client, url, data, "NUL", content_type="multipart/form-data")
        sweep.nul_statuses.append((url, response.status_code if response is not None else None))


# The walk: every GET page, for every role, with the real ids of what was made ---------------------
def _ids(query) -> list:
    return list(db.session.scalars(query))


def _walk_values(sweep: Sweep) -> dict[str, dict[str, list]]:
    learner = sweep.learner_id
    everything = {
        "lesson_id": _ids(select(Lesson.id)), "module_id": _ids(select(Module.id)), "language": ["en", "tr"],
        "question_id": _ids(select(Question.id)), "revision_id": _ids(select(LessonRevision.id)),
        "cohort_id": _ids(select(Cohort.id)), "certificate_id": _ids(select(Certificate.id)),
        "activity_id": _ids(select(CreditActivity.id)), "kind": ["gift", "xml"], "calculator": list(CALCULATORS),
        "code": _ids(select(Certificate.code)), "filename": ["css/app.css"], "token": ["x"],
        "attempt_id": [1], "credential_id": [1], "assessment_id": [1], "user_id": [sweep.learner_id],
    }
    own = {
        "attempt_id": _ids(select(Attempt.id).where(Attempt.user_id == learner)),
        "credential_id": _ids(select(ExternalCredential.id).where(ExternalCredential.user_id == learner)),
        "assessment_id": _ids(select(FiveDAssessment.id).where(FiveDAssessment.user_id == learner)),
        "certificate_id": _ids(select(Certificate.id).where(Certificate.user_id == learner)),
        "activity_id": _ids(select(CreditActivity.id).join(ExternalCredential)
                            .where(ExternalCredential.user_id == learner, CreditActivity.evidence_file.is_not(None))),
    }
    return {"anonymous": everything, "learner": {**everything, **own}, "trainer": everything,
            "admin": {**everything, "user_id": _ids(select(User.id))}}


QUERY_STRINGS = {
    "accounts.login": ["next=" + quote("\"><script>alert(1)</script>")],
    "catalog.glossary": ["q=" + quote("<img src=x onerror=alert(1)>")],
    "admin.users": ["q=" + quote("' OR 1=1 --"), "q=" + quote("<svg onload=alert(1)>"), "page=99999999999999999999",
                    "page=-5", "page=NaN"],
    "cohorts.report": ["format=csv&table=progress", "format=csv&table=competencies", "format=csv&table=overdue",
                       "format=csv&table=expiring"],
    "credentials.expiring": ["format=csv"],
    "cohorts.items": ["module=mod-1"],
}


def _walk(sweep: Sweep) -> None:
    values = _walk_values(sweep)
    rank = {"anonymous": 0, "learner": 1, "trainer": 2, "admin": 3}
    for role, client in sweep.clients.items():
        pages = sweep.pages.setdefault(role, [])
        for rule in sweep.app.url_map.iter_rules():
            if "GET" not in rule.methods or RANK[ACCESS[rule.endpoint]] > rank[role]:
                continue
            arguments = sorted(rule.arguments)
            combos = itertools.product(*(values[role][a] for a in arguments)) if arguments else [()]
            for combo in itertools.islice(combos, 80):
                url = rule.rule
                for argument, value in zip(arguments, combo):
                    url = re.sub(rf"<(?:\w+:)?{argument}>", quote(str(value), safe=""), url)
                urls = [url] + [f"{url}?{query}" for query in QUERY_STRINGS.get(rule.endpoint, [])]
                for target in urls:
                    response = sweep.get(client, target, f"walk ({role})")
                    if response is not None and getattr(response, "html", None) is not None:
                        pages.append((target, response.html))
                    if response is not None:
                        sweep.downloads.append((role, target, response))


# The rules -------------------------------------------------------------------------------------
def test_payload_submissions_never_give_a_server_error(world):
    assert world.errors == []
    assert world.sent > 1000
    assert min(world.used[p] for p in ALL) >= 3, [p for p in ALL if world.used[p] < 3]
    assert world.edited_questions >= 25  # the question editor took the hostile texts


def test_nul_characters_are_refused_with_400_everywhere(world):
    assert world.nul_statuses and all(status == 400 for _url, status in world.nul_statuses), world.nul_statuses


def test_no_payload_survives_unescaped_on_any_page_after_every_text_input_is_filled(world):
    assert world.problems == []
    pages = {role: len(pages) for role, pages in world.pages.items()}
    assert pages["anonymous"] >= 5 and pages["learner"] >= 40, pages
    assert pages["trainer"] >= 100 and pages["admin"] >= 100, pages
    # The payloads did reach the pages, as text: each one is on some page, escaped.
    shown = "\n".join(html for role_pages in world.pages.values() for _url, html in role_pages)
    missing = [p for p in XSS if str(escape(p)) not in shown]
    assert missing == []
    for payload in XSS:
        if "<" in payload:
            assert payload not in shown, payload
    # Lesson bodies went through the Markdown renderer (real lists and headings, hostile text inside).
    lesson_pages = [html for url, html in world.pages["learner"] if url.startswith("/lessons/")]
    assert any("<li>" in html and "alert(1)" in html for html in lesson_pages)


def test_markdown_preview_json_is_sanitised_and_json_answers_say_so(world):
    assert len(world.preview_html) == 4
    for html in world.preview_html:
        assert "alert(1)" in html and audit(html) == []
    assert world.json_answers
    for label, content_type, body in world.json_answers:
        assert content_type == "application/json", label
        json.loads(body)


def test_template_injection_is_shown_literally_never_evaluated(world):
    shown = "\n".join(html for role_pages in world.pages.values() for _url, html in role_pages)
    for payload in TEMPLATE:
        assert str(escape(payload)) in shown, payload
    for result in TEMPLATE_RESULTS:
        assert result not in shown


def test_sql_injection_strings_are_stored_literally(world):
    db.session.expire_all()
    names = set(db.session.scalars(select(User.name)))
    emails = set(db.session.scalars(select(User.email)))
    for payload in SQL:
        assert payload in names, payload
    assert {"admin@example.com", "trainer@example.com", world.main_email} <= emails
    cohort_names = set(db.session.scalars(select(Cohort.name)))
    activity_titles = set(db.session.scalars(select(CreditActivity.title)))
    assert set(SQL) <= activity_titles
    assert cohort_names and db.session.scalar(select(func.count()).select_from(Question)) >= 30
    # A search for a tautology finds nobody rather than everybody.
    admin = world.clients["admin"]
    html = admin.get("/admin/users?q=" + quote("' OR 1=1 --")).get_data(as_text=True)
    assert "admin@example.com" not in html and "trainer@example.com" not in html
    html = admin.get("/admin/users?q=" + quote("%' AND name LIKE '%")).get_data(as_text=True)
    assert "trainer@example.com" not in html


def test_cohort_csv_export_neutralises_spreadsheet_formulas(world):
    trainer = world.clients["trainer"]
    urls = [f"/trainer/cohorts/{world.cohort_id}/report?format=csv&table={t}"
            for t in ("progress", "competencies", "overdue", "expiring")] + ["/trainer/expiring?format=csv"]
    cells = []
    for url in urls:
        response = trainer.get(url)
        assert response.status_code == 200 and response.mimetype == "text/csv", url
        cells += [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
                  for cell in row]
    dangerous = [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []
    for formula in FORMULAS:
        assert "'" + formula.strip() in cells, formula  # kept, as text


def test_emails_are_plain_text_and_carry_no_injected_headers(world):
    messages = world.inbox.messages
    assert len(messages) >= 8  # invitations to the new members, a reset link, reminders
    bodies = ""
    for message in messages:
        for name in ("Set-Cookie", "X-Injected", "Bcc"):
            assert message[name] is None, message
        assert "\n" not in str(message["Subject"]) and "\n" not in str(message["To"])
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            assert audit(html.get_content()) == []
        bodies += message.get_body(preferencelist=("plain",)).get_content()
    assert "<script>alert('trainer')</script>" in bodies  # the inviter's name, as plain text


def test_certificate_pdf_is_made_for_every_payload_name(world):
    from pypdf import PdfReader

    admin = world.clients["admin"]
    for certificate_id, name in world.certificate_names.items():
        response = admin.get(f"/credentials/certificates/{certificate_id}.pdf")
        body = response.data
        response.close()
        assert response.status_code == 200 and body.startswith(b"%PDF"), name
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
        assert "Verification code" in text


def test_redirects_and_download_names_carry_no_injected_headers(world):
    for target, location in world.redirects:
        assert location == "/dashboard", (target, location)
    for label, headers in world.headers:
        names = [name.lower() for name, _value in headers]
        assert "x-injected" not in names, label
        assert not any(name == "set-cookie" and "injected" in value for name, value in headers), label
        assert not any("\r" in value or "\n" in value for _name, value in headers), label
    evidence = [(url, response) for role, url, response in world.downloads
                if url.startswith("/credentials/evidence/") and response.status_code == 200]
    assert evidence, "no evidence file was downloaded in the walk"
    for url, response in evidence:
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;"), disposition
        assert "\r" not in disposition and "\n" not in disposition, disposition


def test_every_download_of_the_walk_answers(world):
    kinds = Counter(response.mimetype for _role, _url, response in world.downloads if response.status_code == 200)
    for mimetype in ("text/html", "text/csv", "application/pdf", "application/zip", "text/calendar", "application/json",
                     "application/xml", "text/plain"):
        assert kinds[mimetype] > 0, (mimetype, kinds)
