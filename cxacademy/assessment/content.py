"""Reading, checking and importing the question files (content/modules/<id>/questions.<lang>.yaml)
and the mock-exam blueprints (content/blueprints.yaml). Registered with `flask content`."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..catalog.content import ID_PATTERN, Checker, CourseFiles, Problem, line_of, load_yaml
from ..catalog.models import AREAS, COMPETENCIES, CONTENT_LANGUAGES
from ..catalog.services import ImportReport
from ..extensions import db
from .models import DIMENSIONS, ExamBlueprint, Question, QuestionVersion
from .question_types import QUESTION_TYPES

QUESTION_KEYS = {"id", "type", "scenario", "lesson", "competency", "dimension", "difficulty", "stem", "options",
                 "explanation"}
QUESTION_REQUIRED = QUESTION_KEYS - {"scenario", "dimension"}
OPTION_KEYS = {"id", "text", "correct", "rationale"}
TEXT_KEYS = {"id", "stem", "options", "explanation"}
TEXT_OPTION_KEYS = {"id", "text", "rationale"}
BLUEPRINT_KEYS = {"id", "title", "questions", "minutes", "by", "counts"}


@dataclass
class QuestionFile:
    id: str
    module_id: str
    lesson_id: str
    type: str
    competency: str
    dimension: str | None
    difficulty: int
    scenario: bool
    option_ids: list[str]
    correct: list[str]
    texts: dict[str, dict] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        payload = {"type": self.type, "options": self.option_ids, "correct": self.correct, "texts": self.texts,
                   "lesson": self.lesson_id, "competency": self.competency, "dimension": self.dimension,
                   "difficulty": self.difficulty, "scenario": self.scenario}
        return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass
class Blueprint:
    id: str
    title: dict[str, str]
    questions: int
    minutes: int
    by: str  # "competency" (current exam) or "area" (the six-area modules of the pre-2021 exam)
    counts: dict[str, int]  # competency or area -> number of questions


def _question_text(entry: dict, check: Checker, option_keys: set[str], stems: dict, language: str) -> dict | None:
    stem = check.text(entry, "stem", "question")
    explanation = check.text(entry, "explanation", "question")
    options = entry.get("options")
    if not isinstance(options, list) or len(options) < 2:
        check.add(line_of(entry, "options"), "a question needs a list of at least two options")
        return None
    texts = {}
    for option in options:
        if not isinstance(option, dict):
            check.add(line_of(entry, "options"), "each option must be a mapping with id, text and rationale")
            return None
        check.keys(option, option_keys, {"id", "text", "rationale"}, "option")
        option_id = str(option.get("id"))
        if option_id in texts:
            check.add(line_of(option, "id"), f"option id {option_id!r} appears twice in this question")
        text = check.text(option, "text", "option")
        rationale = option.get("rationale")
        if not isinstance(rationale, str) or not rationale.strip():
            check.add(line_of(option), f"option {option_id!r} has no rationale: say why it is right or wrong")
            rationale = ""
        texts[option_id] = {"text": text, "rationale": rationale.strip(), "_line": line_of(option),
                            "_correct": option.get("correct", False)}
    if stem:
        key = (language, " ".join(stem.casefold().split()))
        if key in stems:
            check.add(line_of(entry, "stem"), f"the same stem is used by question {stems[key]!r}")
        stems[key] = entry.get("id")
    return {"stem": stem, "explanation": explanation, "options": texts}


def read_questions(root: Path, course: CourseFiles) -> list[Problem]:
    """Read every module's question files into course.extras['questions']; return the problems."""
    problems: list[Problem] = []
    lessons = {lesson.id: lesson.module_id for lesson in course.lessons}
    questions: dict[str, QuestionFile] = {}
    stems: dict = {}
    for module in course.modules:
        folder = Path(root) / "modules" / module.id
        english = folder / "questions.en.yaml"
        if not english.is_file():
            continue
        rel = str(english.relative_to(Path(root).parent)) if english.is_relative_to(Path(root).parent) else str(english)
        data = load_yaml(english.read_text(encoding="utf-8"), rel, problems)
        if data is None:
            continue
        check = Checker(rel, problems)
        if not isinstance(data, list):
            check.add(1, "a questions file is a list of questions")
            continue
        for entry in data:
            if not isinstance(entry, dict):
                check.add(1, "each question must be a mapping")
                continue
            before = len(problems)
            check.keys(entry, QUESTION_KEYS, QUESTION_REQUIRED, "question")
            question_id = entry.get("id")
            if not isinstance(question_id, str) or not ID_PATTERN.match(question_id):
                check.add(line_of(entry, "id"), f"question id {question_id!r} must be lowercase letters, digits and hyphens")
            elif question_id in questions:
                check.add(line_of(entry, "id"), f"duplicate question id {question_id!r}")
            qtype = QUESTION_TYPES.get(entry.get("type"))
            if qtype is None:
                check.add(line_of(entry, "type"), f"unknown type {entry.get('type')!r} (one of: {', '.join(QUESTION_TYPES)})")
            lesson_id = entry.get("lesson")
            if lesson_id not in lessons:
                check.add(line_of(entry, "lesson"), f"unknown lesson {lesson_id!r}")
            elif lessons[lesson_id] != module.id:
                check.add(line_of(entry, "lesson"), f"lesson {lesson_id!r} belongs to module {lessons[lesson_id]!r}, not {module.id!r}")
            if entry.get("competency") not in COMPETENCIES:
                check.add(line_of(entry, "competency"), f"unknown competency {entry.get('competency')!r} (one of: {', '.join(COMPETENCIES)})")
            if entry.get("dimension") is not None and entry.get("dimension") not in DIMENSIONS:
                check.add(line_of(entry, "dimension"), f"unknown 5D dimension {entry.get('dimension')!r} (one of: {', '.join(DIMENSIONS)}, or null)")
            difficulty = check.integer(entry, "difficulty", 1, 3, "question")
            if not isinstance(entry.get("scenario", False), bool):
                check.add(line_of(entry, "scenario"), "scenario must be true or false")
            text = _question_text(entry, check, OPTION_KEYS, stems, "en")
            if text is None or len(problems) > before:
                continue
            option_ids = list(text["options"])
            correct = [oid for oid, o in text["options"].items() if o["_correct"] is True]
            for oid, o in text["options"].items():
                if o["_correct"] not in (True, False):
                    check.add(o["_line"], f"option {oid!r}: correct must be true or false")
            key_problem = qtype.check_key(option_ids, set(correct))
            if key_problem:
                check.add(line_of(entry, "options"), key_problem)
                continue
            for o in text["options"].values():
                del o["_line"], o["_correct"]
            questions[question_id] = QuestionFile(
                id=question_id, module_id=module.id, lesson_id=lesson_id, type=qtype.code,
                competency=entry["competency"], dimension=entry.get("dimension"), difficulty=difficulty,
                scenario=bool(entry.get("scenario", False)), option_ids=option_ids, correct=correct,
                texts={"en": text})
        for language in CONTENT_LANGUAGES:
            if language == "en":
                continue
            problems.extend(_read_translation(folder, root, language, questions, module.id, stems))
    for question in questions.values():
        for language in CONTENT_LANGUAGES:
            if language not in question.texts:
                problems.append(Problem(f"content/modules/{question.module_id}/questions.{language}.yaml", 1,
                                        f"question {question.id!r} is missing its {language!r} text"))
    course.extras["questions"] = list(questions.values())
    return problems


def _read_translation(folder: Path, root: Path, language: str, questions: dict, module_id: str, stems: dict) -> list[Problem]:
    problems: list[Problem] = []
    path = folder / f"questions.{language}.yaml"
    rel = str(path.relative_to(Path(root).parent)) if path.is_relative_to(Path(root).parent) else str(path)
    if not path.is_file():
        if any(q.module_id == module_id for q in questions.values()):
            problems.append(Problem(rel, 1, f"missing: every question needs its {language!r} text"))
        return problems
    data = load_yaml(path.read_text(encoding="utf-8"), rel, problems)
    if data is None:
        return problems
    check = Checker(rel, problems)
    if not isinstance(data, list):
        check.add(1, "a questions file is a list of questions")
        return problems
    for entry in data:
        if not isinstance(entry, dict):
            check.add(1, "each question must be a mapping")
            continue
        before = len(problems)
        check.keys(entry, TEXT_KEYS, TEXT_KEYS,
                   "translated question (the key and tags are written once, in questions.en.yaml)")
        question = questions.get(entry.get("id"))
        if question is None or question.module_id != module_id:
            check.add(line_of(entry, "id"), f"question {entry.get('id')!r} is not in questions.en.yaml of this module")
            continue
        text = _question_text(entry, check, TEXT_OPTION_KEYS, stems, language)
        if text is None or len(problems) > before:
            continue
        if list(text["options"]) != question.option_ids:
            check.add(line_of(entry, "options"), f"option ids {list(text['options'])} differ from the English "
                                                 f"question's {question.option_ids}")
            continue
        for o in text["options"].values():
            del o["_line"], o["_correct"]
        question.texts[language] = text
    return problems


def read_blueprints(root: Path, course: CourseFiles) -> list[Problem]:
    path = Path(root) / "blueprints.yaml"
    problems: list[Problem] = []
    if not path.is_file():
        course.extras["blueprints"] = []
        return problems
    rel = str(path.relative_to(Path(root).parent)) if path.is_relative_to(Path(root).parent) else str(path)
    data = load_yaml(path.read_text(encoding="utf-8"), rel, problems)
    blueprints = []
    check = Checker(rel, problems)
    for entry in data or []:
        before = len(problems)
        check.keys(entry, BLUEPRINT_KEYS, {"id", "title", "questions", "minutes", "counts"}, "blueprint")
        total = check.integer(entry, "questions", 1, 500, "blueprint")
        minutes = check.integer(entry, "minutes", 1, 600, "blueprint")
        by = entry.get("by", "competency")
        codes = {"competency": COMPETENCIES, "area": AREAS}.get(by)
        if codes is None:
            check.add(line_of(entry, "by"), f"by must be 'competency' or 'area', not {by!r}")
            codes = ()
        counts = entry.get("counts") or {}
        if not isinstance(counts, dict) or any(c not in codes for c in counts) \
                or not all(isinstance(n, int) and n > 0 for n in counts.values()):
            check.add(line_of(entry, "counts"), f"counts must map each {by} ({', '.join(codes)}) to a positive number")
        elif total is not None and sum(counts.values()) != total:
            check.add(line_of(entry, "counts"), f"counts add up to {sum(counts.values())}, not {total}")
        title = check.per_language(entry, "title", "blueprint")
        if len(problems) == before:
            blueprints.append(Blueprint(entry["id"], title, total, minutes, by, dict(counts)))
    course.extras["blueprints"] = blueprints
    return problems


def check_assessment_content(root: Path, course: CourseFiles) -> list[Problem]:
    return read_questions(root, course) + read_blueprints(root, course)


def import_questions(course: CourseFiles, *, now: datetime, on_item=None) -> ImportReport:
    """Upsert questions by id; a changed question gets a new immutable version; missing ones retire."""
    report = ImportReport()
    existing = {q.id: q for q in db.session.scalars(select(Question))}
    current_hashes = dict(db.session.execute(
        select(QuestionVersion.id, QuestionVersion.content_hash)).all())
    latest_version = dict(db.session.execute(
        select(QuestionVersion.question_id, db.func.max(QuestionVersion.version))
        .group_by(QuestionVersion.question_id)).all())
    files = course.extras.get("questions", [])
    for qf in files:
        question = existing.get(qf.id)
        label = f"question {qf.id}"
        digest = qf.content_hash
        if question is not None and question.current_version_id is not None \
                and current_hashes.get(question.current_version_id) == digest and question.retired_at is None:
            report.unchanged.append(label)
            if on_item:
                on_item()
            continue
        if question is None:
            question = Question(id=qf.id, module_id=qf.module_id, lesson_id=qf.lesson_id, type=qf.type,
                                competency=qf.competency, difficulty=qf.difficulty)
            db.session.add(question)
            db.session.flush()  # the version row below refers to it
            report.added.append(label)
        else:
            report.changed.append(label)
        question.module_id, question.lesson_id, question.type = qf.module_id, qf.lesson_id, qf.type
        question.competency, question.dimension, question.difficulty = qf.competency, qf.dimension, qf.difficulty
        question.scenario, question.retired_at = qf.scenario, None
        if question.current_version_id is None or current_hashes.get(question.current_version_id) != digest:
            version = QuestionVersion(question_id=qf.id, version=latest_version.get(qf.id, 0) + 1, content_hash=digest,
                                      type=qf.type, option_ids=qf.option_ids, correct=qf.correct, texts=qf.texts,
                                      created_at=now)
            db.session.add(version)
            db.session.flush()
            question.current_version_id = version.id
        if on_item:
            on_item()
    present = {qf.id for qf in files}
    for question in existing.values():
        if question.id not in present and question.retired_at is None:
            question.retired_at = now
            report.retired.append(f"question {question.id}")
    db.session.flush()
    return report


def import_blueprints(course: CourseFiles, *, now: datetime, on_item=None) -> ImportReport:
    report = ImportReport()
    existing = {b.id: b for b in db.session.scalars(select(ExamBlueprint))}
    files = course.extras.get("blueprints", [])
    for position, bf in enumerate(files, start=1):
        fields = dict(titles=bf.title, questions=bf.questions, minutes=bf.minutes, by=bf.by, counts=bf.counts,
                      position=position)
        blueprint = existing.get(bf.id)
        label = f"blueprint {bf.id}"
        if blueprint is None:
            db.session.add(ExamBlueprint(id=bf.id, **fields))
            report.added.append(label)
        elif any(getattr(blueprint, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(blueprint, key, value)
            report.changed.append(label)
        else:
            report.unchanged.append(label)
        if on_item:
            on_item()
    for blueprint in existing.values():
        if blueprint.id not in {bf.id for bf in files}:
            db.session.delete(blueprint)  # attempts keep the blueprint id as plain text
            report.retired.append(f"blueprint {blueprint.id}")
    db.session.flush()
    return report


def import_assessment_content(course: CourseFiles, *, now: datetime, on_item=None) -> ImportReport:
    report = import_questions(course, now=now, on_item=on_item)
    report.merge(import_blueprints(course, now=now, on_item=on_item))
    return report
