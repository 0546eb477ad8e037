"""Course statistics from the files, and the targets the course must meet (the course issue's numbers)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .content import CourseFiles
from .models import COMPETENCIES, CONTENT_LANGUAGES

MIN_LESSONS_PER_MODULE = 4
LESSON_WORDS = (700, 1500)  # English body
MIN_QUESTIONS = {"fundamentals": 30, "5d": 30}  # every other (CCXP-area) module: 50
MIN_QUESTIONS_CCXP_AREA = 50
MIN_PER_COMPETENCY = 50
MIN_TOTAL_QUESTIONS = 360
MIN_SCENARIO_SHARE = 1 / 3
MAX_TRUE_FALSE_SHARE = 0.15


@dataclass
class CourseStats:
    lessons_per_module: dict[str, int] = field(default_factory=dict)
    lesson_words: dict[str, int] = field(default_factory=dict)
    questions_per_module: Counter = field(default_factory=Counter)
    per_competency: Counter = field(default_factory=Counter)
    per_type: Counter = field(default_factory=Counter)
    per_difficulty: Counter = field(default_factory=Counter)
    per_language: Counter = field(default_factory=Counter)
    scenarios: int = 0
    total: int = 0
    shortfalls: list[str] = field(default_factory=list)


def _words(markdown: str) -> int:
    return len(markdown.split())


def course_stats(course: CourseFiles) -> CourseStats:
    stats = CourseStats()
    for module in course.modules:
        stats.lessons_per_module[module.id] = len(module.lessons)
        for lesson in module.lessons:
            if "en" in lesson.texts:
                stats.lesson_words[lesson.id] = _words(lesson.texts["en"].body_markdown)
    questions = course.extras.get("questions", [])
    for q in questions:
        stats.questions_per_module[q.module_id] += 1
        stats.per_competency[q.competency] += 1
        stats.per_type[q.type] += 1
        stats.per_difficulty[q.difficulty] += 1
        stats.scenarios += bool(q.scenario)
        for language in q.texts:
            stats.per_language[language] += 1
    stats.total = len(questions)

    flag = stats.shortfalls.append
    for module_id, count in stats.lessons_per_module.items():
        if count < MIN_LESSONS_PER_MODULE:
            flag(f"module {module_id}: {count} lessons, needs {MIN_LESSONS_PER_MODULE}")
        need = MIN_QUESTIONS.get(module_id, MIN_QUESTIONS_CCXP_AREA)
        if stats.questions_per_module[module_id] < need:
            flag(f"module {module_id}: {stats.questions_per_module[module_id]} questions, needs {need}")
    for lesson_id, words in stats.lesson_words.items():
        if not LESSON_WORDS[0] <= words <= LESSON_WORDS[1]:
            flag(f"lesson {lesson_id}: {words} words in English, needs {LESSON_WORDS[0]}-{LESSON_WORDS[1]}")
    for competency in COMPETENCIES:
        if stats.per_competency[competency] < MIN_PER_COMPETENCY:
            flag(f"competency {competency}: {stats.per_competency[competency]} questions, needs {MIN_PER_COMPETENCY}")
    if stats.total < MIN_TOTAL_QUESTIONS:
        flag(f"{stats.total} questions in all, needs {MIN_TOTAL_QUESTIONS}")
    for language in CONTENT_LANGUAGES:
        if stats.per_language[language] < stats.total:
            flag(f"{stats.total - stats.per_language[language]} questions lack their {language!r} text")
    if stats.total and stats.scenarios / stats.total < MIN_SCENARIO_SHARE:
        flag(f"scenario questions are {stats.scenarios / stats.total:.0%}, need at least a third")
    if stats.total and stats.per_type["true_false"] / stats.total > MAX_TRUE_FALSE_SHARE:
        flag(f"true/false questions are {stats.per_type['true_false'] / stats.total:.0%}, at most 15% allowed")
    if stats.total and not stats.per_type["multiple"]:
        flag("no multiple-answer questions")
    for level in (1, 2, 3):
        if stats.total and not stats.per_difficulty[level]:
            flag(f"no questions of difficulty {level}")
    return stats
