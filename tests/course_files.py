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
