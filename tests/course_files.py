"""Builders for small course trees on disk, for content and catalog tests."""
from __future__ import annotations

from pathlib import Path

import yaml


def write_module(root: Path, module_id: str, position: int = 1, **overrides) -> Path:
    folder = root / "modules" / module_id
    (folder / "lessons").mkdir(parents=True, exist_ok=True)
    data = {"id": module_id, "position": position, "area": "fundamentals", "competency": None,
            "title": {"en": f"Module {module_id}", "tr": f"Modül {module_id}"},
            "summary": {"en": f"About {module_id}.", "tr": f"{module_id} hakkında."}}
    data.update(overrides)
    (folder / "module.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def lesson_text(lesson_id: str, lang: str = "en", body: str | None = None, **front) -> str:
    data = {"id": lesson_id, "title": f"Lesson {lesson_id} ({lang})", "minutes": 5,
            "objectives": ["Understand the point"],
            "key_terms": [{"term": f"Term {lesson_id}", "definition": "What it means."}
                          | ({"en": f"Term {lesson_id}"} if lang != "en" else {})]}
    data.update(front)
    body = body if body is not None else f"## First part\n\nText of {lesson_id} in {lang}.\n\n## Second part\n\nMore.\n"
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\n" + body


def write_lesson(root: Path, module_id: str, position: int, lesson_id: str, langs=("en", "tr"), **kwargs) -> None:
    folder = root / "modules" / module_id / "lessons"
    folder.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        (folder / f"{position:02d}-{lesson_id}.{lang}.md").write_text(lesson_text(lesson_id, lang, **kwargs), encoding="utf-8")


def small_course(root: Path, modules: int = 1, lessons_per_module: int = 2) -> Path:
    for m in range(1, modules + 1):
        write_module(root, f"mod-{m}", position=m, competency="insights" if m % 2 else "metrics")
        for n in range(1, lessons_per_module + 1):
            write_lesson(root, f"mod-{m}", n, f"m{m}-lesson-{n}")
    return root


COMPETENCY_CYCLE = ("insights", "strategy", "metrics", "design", "culture_accountability")


def question(qid: str, lesson: str, competency: str = "insights", qtype: str = "single", **overrides) -> dict:
    if qtype == "true_false":
        options = [{"id": "true", "text": "True", "correct": True, "rationale": "Right because."},
                   {"id": "false", "text": "False", "rationale": "Wrong because."}]
    elif qtype == "multiple":
        options = [{"id": "a", "text": f"{qid} A", "correct": True, "rationale": "Right: A."},
                   {"id": "b", "text": f"{qid} B", "correct": True, "rationale": "Right: B."},
                   {"id": "c", "text": f"{qid} C", "rationale": "Wrong: C."}]
    else:
        options = [{"id": "a", "text": f"{qid} A", "rationale": "Wrong: A."},
                   {"id": "b", "text": f"{qid} B", "correct": True, "rationale": "Right: B."},
                   {"id": "c", "text": f"{qid} C", "rationale": "Wrong: C."},
                   {"id": "d", "text": f"{qid} D", "rationale": "Wrong: D."}]
    data = {"id": qid, "type": qtype, "scenario": False, "lesson": lesson, "competency": competency,
            "dimension": None, "difficulty": 2, "stem": f"Stem of {qid}?", "options": options,
            "explanation": f"Why {qid}."}
    data.update(overrides)
    return data


def turkish(entry: dict) -> dict:
    return {"id": entry["id"], "stem": f"{entry['stem']} (tr)", "explanation": f"{entry['explanation']} (tr)",
            "options": [{"id": o["id"], "text": f"{o['text']} (tr)", "rationale": f"{o['rationale']} (tr)"}
                        for o in entry["options"]]}


def write_questions(root: Path, module_id: str, questions: list[dict]) -> None:
    folder = root / "modules" / module_id
    (folder / "questions.en.yaml").write_text(yaml.safe_dump(questions, allow_unicode=True, sort_keys=False), encoding="utf-8")
    (folder / "questions.tr.yaml").write_text(yaml.safe_dump([turkish(q) for q in questions], allow_unicode=True,
                                                             sort_keys=False), encoding="utf-8")


def write_blueprints(root: Path, blueprints: list[dict]) -> None:
    (root / "blueprints.yaml").write_text(yaml.safe_dump(blueprints, allow_unicode=True, sort_keys=False), encoding="utf-8")


def course_with_questions(root: Path, per_competency: int = 6) -> Path:
    """One module with two lessons, `per_competency` questions of each competency, and a mini blueprint."""
    small_course(root, modules=1, lessons_per_module=2)
    questions = []
    for c_index, competency in enumerate(COMPETENCY_CYCLE):
        for n in range(per_competency):
            qtype = ("single", "multiple", "true_false")[n % 3]
            questions.append(question(f"q-{competency[:4]}-{n}", f"m1-lesson-{1 + n % 2}", competency, qtype))
    write_questions(root, "mod-1", questions)
    write_blueprints(root, [{"id": "mini", "title": {"en": "Mini", "tr": "Mini"}, "questions": 10, "minutes": 20,
                             "by": "competency", "counts": {c: 2 for c in COMPETENCY_CYCLE}}])
    return root
