"""`flask content check|import`: validate the course files and load them in one transaction."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..clock import now_utc
from ..extensions import db
from .content import CourseFiles, Problem, read_course
from .services import ImportReport, import_course

content_cli = AppGroup("content", help="Check and import the course files (content/).")

# Other domains that read their own files from the same content/ tree register here:
# (check(root, course) -> problems, importer(course, now) -> ImportReport).
CONTENT_PARTS: list[tuple] = []


def default_content_path() -> Path:
    return Path(current_app.root_path).parent / "content"


def read_and_check(root: Path) -> tuple[CourseFiles, list[Problem]]:
    course, problems = read_course(root)
    for check, _importer in CONTENT_PARTS:
        problems.extend(check(root, course))
    return course, problems


def _report_problems(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem(s) found; nothing was imported.", err=True)


@content_cli.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def check_command(path: Path | None) -> None:
    """Validate the course files without writing anything. Exit code 1 on any problem."""
    root = path or default_content_path()
    course, problems = read_and_check(root)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo(f"content OK: {len(course.modules)} modules, {len(course.lessons)} lessons"
               + "".join(f", {len(v)} {k}" for k, v in course.extras.items() if hasattr(v, "__len__")))


@content_cli.command("import")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def import_command(path: Path | None) -> None:
    """Check, then upsert everything by id in one transaction; report added/changed/unchanged/retired."""
    root = path or default_content_path()
    course, problems = read_and_check(root)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    now = now_utc()
    total = len(course.modules) + len(course.lessons) + sum(len(v) for v in course.extras.values() if hasattr(v, "__len__"))
    report = ImportReport()
    try:
        with click.progressbar(length=total, label="Importing", file=sys.stderr,
                               show_pos=True) as bar:
            report.merge(import_course(course, now=now, on_item=lambda: bar.update(1)))
            for _check, importer in CONTENT_PARTS:
                report.merge(importer(course, now=now, on_item=lambda: bar.update(1)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for name in ("added", "changed", "retired"):
        for label in getattr(report, name):
            click.echo(f"  {name:<8} {label}")
    click.echo(f"{len(report.added)} added, {len(report.changed)} changed, {len(report.unchanged)} unchanged, "
               f"{len(report.retired)} retired" + ("" if report.has_changes else " (no changes)"))


@content_cli.command("stats")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def stats_command(path: Path | None) -> None:
    """Count lessons and questions per module, competency, type, difficulty and language, and flag
    every number below the course's targets (exit code 1 if any)."""
    from .stats import course_stats

    root = path or default_content_path()
    course, problems = read_and_check(root)
    if problems:
        _report_problems(problems)
        sys.exit(1)
    stats = course_stats(course)

    def table(title: str, counts) -> None:
        click.echo(title)
        for key, value in sorted(counts.items(), key=lambda kv: str(kv[0])):
            click.echo(f"  {key!s:<26} {value:>5}")

    table("Lessons per module", stats.lessons_per_module)
    table("Questions per module", stats.questions_per_module)
    table("Questions per competency", stats.per_competency)
    table("Questions per type", stats.per_type)
    table("Questions per difficulty", stats.per_difficulty)
    table("Question texts per language", stats.per_language)
    click.echo(f"Scenario questions: {stats.scenarios} of {stats.total}")
    if stats.shortfalls:
        click.echo("Below target:")
        for line in stats.shortfalls:
            click.echo(f"  - {line}")
        sys.exit(1)
    click.echo("Every target is met.")


@content_cli.command("export")
@click.option("--module", "module_ids", multiple=True, help="Export only this module (repeatable).")
@click.option("--output", type=click.Path(path_type=Path), required=True,
              help="A .zip file, or a folder to write the content/ tree into.")
def export_command(module_ids: tuple[str, ...], output: Path) -> None:
    """Write the course as it is in the database in the content/ format (importing it changes nothing)."""
    from ..authoring.export import ExportError, export_course, export_zip

    try:
        files = export_course(list(module_ids) or None)
    except ExportError as error:
        raise click.ClickException(str(error))
    if output.suffix == ".zip":
        output.write_bytes(export_zip(files))
    else:
        for relative, data in files.items():
            target = output / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    click.echo(f"{len(files)} files written to {output}")
