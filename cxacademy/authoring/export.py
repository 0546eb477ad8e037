"""Exporting the course from the database back into the content/ file format.

`export_course()` is the reverse of `flask content import`: importing what it returns changes
nothing, because every file reproduces exactly the values the importer stored (and therefore
the content hashes it compares). `export_zip()` packs the files into a zip archive in memory.

Only active modules, lessons and questions are exported, each question at its current version.
Comments and the flow/folded styles of hand-written YAML are not in the database, so they are
not reproduced; the values are.
"""
from __future__ import annotations

import io
import zipfile
from typing import Iterable

import yaml
from sqlalchemy import func, select

from ..assessment.models import ExamBlueprint, Question, QuestionVersion
from ..catalog.content import split_front_matter
from ..catalog.models import CONTENT_LANGUAGES, Lesson, LessonText, Module
from ..credentials.models import CredentialRule
from ..extensions import db

ROOT = "content"
SOURCE_LANGUAGE = "en"
YAML_OPTIONS = dict(allow_unicode=True, sort_keys=False, width=100)
# A fixed timestamp keeps the archive byte-for-byte identical for identical content.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class ExportError(ValueError):
    """The export cannot be produced as asked (e.g. an unknown or retired module id)."""


# YAML: safe_dump, with lists indented under their key (as in the shipped files) and multi-line
# text as literal blocks (|); every result is checked to load back to exactly what was dumped.
class _ContentDumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str):
    # The emitter itself falls back to a quoted style when a literal block cannot hold the text
    # (trailing spaces on a line, control characters, ...).
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_ContentDumper.add_representer(str, _represent_str)


class _EscapedDumper(_ContentDumper):
    """The fallback: multi-line text double-quoted on one line with \\n escapes, so none of its lines
    can look like YAML syntax or like the `---` that closes a lesson's front matter."""


_EscapedDumper.add_representer(
    str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                                       style='"' if "\n" in value else None))


def _dump_yaml(data, *, front_matter: bool = False) -> str:
    """YAML text that loads back to exactly `data`. In front matter no line may read `---`
    (the reader would take it for the closing delimiter)."""
    attempts = ((_ContentDumper, YAML_OPTIONS), (_EscapedDumper, {**YAML_OPTIONS, "width": 10**9}))
    for dumper, options in attempts:
        if isinstance(data, list) and data:
            # A blank line between the entries of a list file (questions, blueprints, rules).
            text = "\n".join(yaml.dump([entry], Dumper=dumper, **options) for entry in data)
        else:
            text = yaml.dump(data, Dumper=dumper, **options)
        if front_matter and any(line.strip() == "---" for line in text.splitlines()):
            continue
        if yaml.safe_load(text) == data:
            return text
    raise ExportError(f"cannot write this value as YAML that reads back unchanged: {data!r:.200}")


def _languages(mapping: dict) -> dict:
    """A per-language mapping ({"en": ..., "tr": ...}) with the course languages first, in their order."""
    ordered = {lang: mapping[lang] for lang in CONTENT_LANGUAGES if lang in mapping}
    ordered.update((k, v) for k, v in mapping.items() if k not in ordered)
    return ordered


# Modules and lessons
def _module_yaml(module: Module) -> dict:
    return {"id": module.id, "position": module.position, "area": module.area, "competency": module.competency,
            "certificate_validity_months": module.certificate_validity_months, "pass_mark": module.pass_mark,
            "title": _languages(module.titles), "summary": _languages(module.summaries)}


def _lesson_file(lesson: Lesson, text: LessonText) -> bytes:
    front = {"id": lesson.id, "title": text.title, "minutes": lesson.minutes, "objectives": list(text.objectives),
             "key_terms": [dict(term) for term in text.key_terms]}
    document = "---\n" + _dump_yaml(front, front_matter=True) + "---\n" + text.body_markdown
    # The reader splits at the first `---` line; make sure that gives back exactly this body.
    parts = split_front_matter(document)
    if parts is None or parts[1] != text.body_markdown:
        raise ExportError(f"lesson {lesson.id!r} ({text.language}) cannot be written as front matter and body")
    return document.encode("utf-8")


# Questions
def _question_entries(module_id: str) -> list[tuple[Question, QuestionVersion]]:
    """Active questions of the module at their current version, in the order they were first
    imported or created (which is the order of the file they came from)."""
    first_version = (select(QuestionVersion.question_id, func.min(QuestionVersion.id).label("first_id"))
                     .group_by(QuestionVersion.question_id).subquery())
    query = (select(Question, QuestionVersion)
             .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
             .join(first_version, first_version.c.question_id == Question.id)
             .where(Question.module_id == module_id, Question.retired_at.is_(None))
             .order_by(first_version.c.first_id, Question.id))
    return [(question, version) for question, version in db.session.execute(query).all()]


def _english_question(question: Question, version: QuestionVersion) -> dict:
    text = version.texts[SOURCE_LANGUAGE]
    correct = set(version.correct)
    options = []
    for option_id in version.option_ids:
        option = text["options"][option_id]
        entry = {"id": option_id, "text": option["text"]}
        if option_id in correct:
            entry["correct"] = True
        entry["rationale"] = option["rationale"]
        options.append(entry)
    return {"id": question.id, "type": version.type, "scenario": bool(question.scenario),
            "lesson": question.lesson_id, "competency": question.competency, "dimension": question.dimension,
            "difficulty": question.difficulty, "stem": text["stem"], "options": options,
            "explanation": text["explanation"]}


def _translated_question(question: Question, version: QuestionVersion, language: str) -> dict | None:
    text = version.texts.get(language)
    if not text:
        return None
    return {"id": question.id, "stem": text["stem"],
            "options": [{"id": option_id, "text": text["options"][option_id]["text"],
                         "rationale": text["options"][option_id]["rationale"]} for option_id in version.option_ids],
            "explanation": text["explanation"]}


# Course-wide files
def _blueprints() -> list[dict]:
    rows = db.session.scalars(select(ExamBlueprint).order_by(ExamBlueprint.position, ExamBlueprint.id))
    return [{"id": b.id, "title": _languages(b.titles), "questions": b.questions, "minutes": b.minutes,
             "by": b.by, "counts": dict(b.counts)} for b in rows]


def _credential_rules() -> list[dict]:
    rules = []
    for rule in db.session.scalars(select(CredentialRule).order_by(CredentialRule.position, CredentialRule.id)):
        entry: dict = {"id": rule.id}
        if rule.is_default:
            entry["default"] = True
        entry.update({"title": _languages(rule.titles), "validity_months": rule.validity_months,
                      "credits_required": rule.credits_required})
        for key in ("min_realtime_credits", "min_categories", "renewal_window_days"):
            if getattr(rule, key) is not None:
                entry[key] = getattr(rule, key)
        categories = []
        for category in rule.categories:
            item: dict = {"id": category["id"]}
            if category.get("realtime"):
                item["realtime"] = True
            item["title"] = _languages(category["titles"])
            categories.append(item)
        entry["categories"] = categories
        rules.append(entry)
    return rules


def _active_modules(module_ids: Iterable[str] | None) -> list[Module]:
    query = select(Module).where(Module.retired_at.is_(None)).order_by(Module.position, Module.id)
    if module_ids is None:
        return list(db.session.scalars(query))
    wanted = list(dict.fromkeys(module_ids))
    modules = list(db.session.scalars(query.where(Module.id.in_(wanted))))
    missing = sorted(set(wanted) - {m.id for m in modules})
    if missing:
        raise ExportError(f"no active module with id {', '.join(repr(m) for m in missing)}")
    return modules


def export_course(module_ids: list[str] | None = None) -> dict[str, bytes]:
    """The course as content/ files: {relative path: UTF-8 bytes}, sorted by path.

    With `module_ids`, only those modules (their module.yaml, lessons and questions); the course-wide
    blueprints.yaml and credential_rules.yaml only come with a full export. Raises ExportError for an
    unknown or retired module id. Reads only; runs inside an app context.
    """
    modules = _active_modules(module_ids)
    files: dict[str, bytes] = {}
    lessons: list[Lesson] = []
    texts: dict[str, list[LessonText]] = {}
    if modules:
        lessons = list(db.session.scalars(
            select(Lesson).where(Lesson.module_id.in_([m.id for m in modules]), Lesson.retired_at.is_(None))
            .order_by(Lesson.module_id, Lesson.position, Lesson.id)))
        if lessons:
            for text in db.session.scalars(select(LessonText)
                                           .where(LessonText.lesson_id.in_([l.id for l in lessons]))
                                           .order_by(LessonText.lesson_id, LessonText.language)):
                texts.setdefault(text.lesson_id, []).append(text)
    for module in modules:
        folder = f"{ROOT}/modules/{module.id}"
        files[f"{folder}/module.yaml"] = _dump_yaml(_module_yaml(module)).encode("utf-8")
        for lesson in (l for l in lessons if l.module_id == module.id):
            for text in texts.get(lesson.id, []):
                if text.language not in CONTENT_LANGUAGES:
                    continue
                name = f"{lesson.position:02d}-{lesson.id}.{text.language}.md"
                files[f"{folder}/lessons/{name}"] = _lesson_file(lesson, text)
        entries = _question_entries(module.id)
        if not entries:
            continue
        files[f"{folder}/questions.{SOURCE_LANGUAGE}.yaml"] = _dump_yaml(
            [_english_question(q, v) for q, v in entries]).encode("utf-8")
        for language in CONTENT_LANGUAGES:
            if language == SOURCE_LANGUAGE:
                continue
            translated = [t for t in (_translated_question(q, v, language) for q, v in entries) if t is not None]
            files[f"{folder}/questions.{language}.yaml"] = _dump_yaml(translated).encode("utf-8")
    if module_ids is None:
        files[f"{ROOT}/blueprints.yaml"] = _dump_yaml(_blueprints()).encode("utf-8")
        files[f"{ROOT}/credential_rules.yaml"] = _dump_yaml(_credential_rules()).encode("utf-8")
    return dict(sorted(files.items()))


def export_zip(files: dict[str, bytes]) -> bytes:
    """A zip archive of the files, built in memory: sorted by path, fixed timestamps, so the same
    files always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[path])
    return buffer.getvalue()
