"""Reading and checking the course files in content/: every problem reported with file and line.

`read_course(root)` never writes anything; it returns a CourseFiles snapshot and a list of
problems. The importer (services.import_course) only runs when that list is empty.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .models import AREAS, COMPETENCIES, CONTENT_LANGUAGES
from .rendering import TOOL_PATHS, render_markdown

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LESSON_FILE = re.compile(r"^(?P<position>\d{2})-(?P<id>[a-z0-9][a-z0-9-]*)\.(?P<lang>[a-z]{2})\.md$")
MODULE_KEYS = {"id", "position", "area", "competency", "certificate_validity_months", "pass_mark", "title", "summary"}
MODULE_REQUIRED = {"id", "position", "area", "title", "summary"}
LESSON_KEYS = {"id", "title", "minutes", "objectives", "key_terms"}
KEY_TERM_KEYS = {"term", "definition", "en"}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class LessonTextFile:
    language: str
    title: str
    objectives: list[str]
    key_terms: list[dict]
    body_markdown: str
    body_html: str
    toc: list[dict]


@dataclass
class LessonFile:
    id: str
    module_id: str
    position: int
    minutes: int
    texts: dict[str, LessonTextFile] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        payload = {"module": self.module_id, "position": self.position, "minutes": self.minutes,
                   "texts": {lang: [t.title, t.objectives, t.key_terms, t.body_markdown]
                             for lang, t in sorted(self.texts.items())}}
        return _digest(payload)


@dataclass
class ModuleFile:
    id: str
    position: int
    area: str
    competency: str | None
    certificate_validity_months: int | None
    pass_mark: int
    titles: dict[str, str]
    summaries: dict[str, str]
    lessons: list[LessonFile] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return _digest({"position": self.position, "area": self.area, "competency": self.competency,
                        "validity": self.certificate_validity_months, "pass_mark": self.pass_mark,
                        "titles": self.titles, "summaries": self.summaries})


@dataclass
class CourseFiles:
    modules: list[ModuleFile] = field(default_factory=list)
    # Other domains (assessment) attach what they read from the same tree here.
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def lessons(self) -> list[LessonFile]:
        return [lesson for module in self.modules for lesson in module.lessons]


def _digest(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


# YAML with line numbers: every mapping remembers the line of each key.
class LineDict(dict):
    line: int = 1
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, path: str, problems: list[Problem], line_offset: int = 0):
    """Parse YAML; on error record a Problem at the error's line and return None."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = (mark.line + 1 if mark else 1) + line_offset
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(path, line, f"invalid YAML: {reason}"))
        return None


def line_of(mapping, key: str | None = None) -> int:
    if isinstance(mapping, LineDict):
        return mapping.key_lines.get(key, mapping.line) if key else mapping.line
    return 1


class Checker:
    """Collects problems for one file; small helpers keep each rule one line long."""

    def __init__(self, path: str, problems: list[Problem], line_offset: int = 0):
        self.path, self.problems, self.offset = path, problems, line_offset

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line + self.offset, message))

    def keys(self, mapping: dict, allowed: set[str], required: set[str], what: str) -> bool:
        ok = True
        for key in mapping:
            if key not in allowed:
                self.add(line_of(mapping, key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})")
                ok = False
        for key in sorted(required - mapping.keys()):
            self.add(line_of(mapping), f"missing key {key!r} in {what}")
            ok = False
        return ok

    def text(self, mapping: dict, key: str, what: str) -> str | None:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(line_of(mapping, key), f"{what} {key!r} must be non-empty text")
            return None
        return value.strip()

    def integer(self, mapping: dict, key: str, low: int, high: int, what: str) -> int | None:
        value = mapping.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(line_of(mapping, key), f"{what} {key!r} must be a whole number from {low} to {high}, not {value!r}")
            return None
        return value

    def per_language(self, mapping: dict, key: str, what: str) -> dict[str, str]:
        value = mapping.get(key)
        if not isinstance(value, dict):
            self.add(line_of(mapping, key), f"{what} {key!r} must map each language ({', '.join(CONTENT_LANGUAGES)}) to text")
            return {}
        result = {}
        for lang in value:
            if lang not in CONTENT_LANGUAGES:
                self.add(line_of(value, lang), f"unknown language {lang!r} in {key!r}")
        for lang in CONTENT_LANGUAGES:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                self.add(line_of(value), f"{what} {key!r} is missing its {lang!r} text")
            else:
                result[lang] = text.strip()
        return result


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def read_module(folder: Path, root: Path, problems: list[Problem]) -> ModuleFile | None:
    path = folder / "module.yaml"
    rel = _relative(path, root)
    if not path.is_file():
        problems.append(Problem(rel, 1, "module folder has no module.yaml"))
        return None
    data = load_yaml(path.read_text(encoding="utf-8"), rel, problems)
    if data is None:
        return None
    check = Checker(rel, problems)
    if not isinstance(data, dict):
        check.add(1, "module.yaml must be a mapping of keys to values")
        return None
    before = len(problems)
    check.keys(data, MODULE_KEYS, MODULE_REQUIRED, "module")
    module_id = data.get("id")
    if not isinstance(module_id, str) or not ID_PATTERN.match(module_id):
        check.add(line_of(data, "id"), f"module id {module_id!r} must be lowercase letters, digits and hyphens")
    elif module_id != folder.name:
        check.add(line_of(data, "id"), f"module id {module_id!r} differs from its folder name {folder.name!r}")
    position = check.integer(data, "position", 1, 999, "module")
    area = data.get("area")
    if area not in AREAS:
        check.add(line_of(data, "area"), f"unknown area {area!r} (one of: {', '.join(AREAS)})")
    competency = data.get("competency")
    if competency is not None and competency not in COMPETENCIES:
        check.add(line_of(data, "competency"), f"unknown competency {competency!r} (one of: {', '.join(COMPETENCIES)}, or null)")
    validity = data.get("certificate_validity_months")
    if validity is not None:
        validity = check.integer(data, "certificate_validity_months", 1, 240, "module")
    pass_mark = check.integer(data, "pass_mark", 1, 100, "module") if "pass_mark" in data else 70
    titles = check.per_language(data, "title", "module")
    summaries = check.per_language(data, "summary", "module")
    if len(problems) > before:
        return None
    return ModuleFile(id=module_id, position=position, area=area, competency=competency,
                      certificate_validity_months=validity, pass_mark=pass_mark, titles=titles, summaries=summaries)


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """(front matter, body, line where the body starts) or None when there is no front matter."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1:]), index + 1
    return None


def read_lesson_file(path: Path, root: Path, module_id: str, problems: list[Problem]) -> tuple[dict, LessonTextFile] | None:
    rel = _relative(path, root)
    match = LESSON_FILE.match(path.name)
    if not match:
        problems.append(Problem(rel, 1, "lesson file name must look like NN-lesson-id.LANG.md (e.g. 01-what-is-cx.en.md)"))
        return None
    lang = match["lang"]
    if lang not in CONTENT_LANGUAGES:
        problems.append(Problem(rel, 1, f"unknown language {lang!r} in the file name (one of: {', '.join(CONTENT_LANGUAGES)})"))
        return None
    parts = split_front_matter(path.read_text(encoding="utf-8"))
    if parts is None:
        problems.append(Problem(rel, 1, "lesson must start with YAML front matter between --- lines"))
        return None
    front, body, body_line = parts
    data = load_yaml(front, rel, problems, line_offset=1)
    if data is None:
        return None
    check = Checker(rel, problems, line_offset=1)
    if not isinstance(data, dict):
        check.add(1, "front matter must be a mapping of keys to values")
        return None
    before = len(problems)
    check.keys(data, LESSON_KEYS, LESSON_KEYS, "lesson front matter")
    lesson_id = data.get("id")
    if lesson_id != match["id"]:
        check.add(line_of(data, "id"), f"lesson id {lesson_id!r} differs from the file name's {match['id']!r}")
    title = check.text(data, "title", "lesson")
    minutes = check.integer(data, "minutes", 1, 120, "lesson")
    objectives = data.get("objectives")
    if not isinstance(objectives, list) or not objectives or not all(isinstance(o, str) and o.strip() for o in objectives):
        check.add(line_of(data, "objectives"), "objectives must be a list of at least one non-empty text")
        objectives = []
    key_terms = data.get("key_terms")
    clean_terms: list[dict] = []
    if not isinstance(key_terms, list):
        check.add(line_of(data, "key_terms"), "key_terms must be a list of {term, definition} entries")
    else:
        for entry in key_terms:
            if not isinstance(entry, dict):
                check.add(line_of(data, "key_terms"), "each key term must be a mapping with term and definition")
                continue
            required = {"term", "definition"} | ({"en"} if lang != "en" else set())
            if check.keys(entry, KEY_TERM_KEYS, required, "key term"):
                clean_terms.append({k: str(entry[k]).strip() for k in ("term", "definition", "en") if k in entry})
    if not body.strip():
        problems.append(Problem(rel, body_line + 1, "lesson body is empty"))
    rendered = render_markdown(body, line_offset=body_line)
    if len(problems) > before:
        return None
    meta = {"id": lesson_id, "position": int(match["position"]), "minutes": minutes, "path": rel,
            "links": rendered.internal_links}
    return meta, LessonTextFile(language=lang, title=title, objectives=[o.strip() for o in objectives],
                                key_terms=clean_terms, body_markdown=body, body_html=rendered.html, toc=rendered.toc)


def read_course(root: Path) -> tuple[CourseFiles, list[Problem]]:
    """Read and check every module and lesson under root (the content/ folder)."""
    root = Path(root)
    problems: list[Problem] = []
    course = CourseFiles()
    modules_dir = root / "modules"
    if not modules_dir.is_dir():
        return course, [Problem(str(root), 1, "no modules/ folder here: is this the content/ folder?")]
    seen_positions: dict[int, str] = {}
    lesson_owner: dict[str, str] = {}
    links: list[tuple[str, str, str, int]] = []
    for folder in sorted(p for p in modules_dir.iterdir() if p.is_dir()):
        module = read_module(folder, root, problems)
        if module is None:
            continue
        if module.position in seen_positions:
            problems.append(Problem(_relative(folder / "module.yaml", root), 1,
                                    f"position {module.position} is used by module {seen_positions[module.position]!r} too"))
        seen_positions[module.position] = module.id
        lessons: dict[str, LessonFile] = {}
        lesson_paths: dict[str, dict[str, str]] = {}
        for path in sorted((folder / "lessons").glob("*")) if (folder / "lessons").is_dir() else []:
            if path.is_dir() or path.name.startswith("."):
                continue
            read = read_lesson_file(path, root, module.id, problems)
            if read is None:
                continue
            meta, text = read
            rel = meta["path"]
            owner = lesson_owner.get(meta["id"])
            if owner and owner != module.id:
                problems.append(Problem(rel, 1, f"lesson id {meta['id']!r} is used in module {owner!r} too"))
                continue
            lesson_owner[meta["id"]] = module.id
            lesson = lessons.get(meta["id"])
            if lesson is None:
                lesson = lessons[meta["id"]] = LessonFile(meta["id"], module.id, meta["position"], meta["minutes"])
            elif lesson.position != meta["position"]:
                problems.append(Problem(rel, 1, f"lesson {meta['id']!r} has position {meta['position']:02d} here "
                                                f"but {lesson.position:02d} in another language"))
            if text.language in lesson.texts:
                problems.append(Problem(rel, 1, f"duplicate lesson id {meta['id']!r} in language {text.language!r}"))
                continue
            lesson.texts[text.language] = text
            lesson_paths.setdefault(meta["id"], {})[text.language] = rel
            links.extend((rel, kind, target, line) for kind, target, line in meta["links"])
        positions: dict[int, str] = {}
        for lesson in lessons.values():
            for lang in CONTENT_LANGUAGES:
                if lang not in lesson.texts:
                    some_path = next(iter(lesson_paths[lesson.id].values()))
                    problems.append(Problem(some_path, 1, f"lesson {lesson.id!r} is missing its {lang!r} version "
                                                          f"({Path(some_path).name.split('.')[0]}.{lang}.md)"))
            if lesson.position in positions and positions[lesson.position] != lesson.id:
                problems.append(Problem(next(iter(lesson_paths[lesson.id].values())), 1,
                                        f"position {lesson.position:02d} is used by lesson {positions[lesson.position]!r} too"))
            positions[lesson.position] = lesson.id
        module.lessons = sorted(lessons.values(), key=lambda l: l.position)
        course.modules.append(module)
    for rel, kind, target, line in links:
        if kind == "lesson" and target not in lesson_owner:
            problems.append(Problem(rel, line, f"link to unknown lesson {target!r}"))
        if kind == "tool" and target not in TOOL_PATHS:
            problems.append(Problem(rel, line, f"link to unknown tool {target!r} (one of: {', '.join(TOOL_PATHS)})"))
    course.modules.sort(key=lambda m: m.position)
    return course, problems
