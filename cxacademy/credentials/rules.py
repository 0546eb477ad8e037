"""Reading credential_rules.yaml into the credential_rules table (part of `flask content`)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from ..catalog.content import Checker, CourseFiles, Problem, line_of, load_yaml
from ..catalog.services import ImportReport
from ..extensions import db
from .models import CredentialRule

RULE_KEYS = {"id", "default", "title", "validity_months", "credits_required", "min_realtime_credits",
             "min_categories", "renewal_window_days", "categories"}


def check_rules(root: Path, course: CourseFiles) -> list[Problem]:
    path = Path(root) / "credential_rules.yaml"
    problems: list[Problem] = []
    course.extras["credential_rules"] = []
    if not path.is_file():
        return problems
    rel = "content/credential_rules.yaml"
    data = load_yaml(path.read_text(encoding="utf-8"), rel, problems)
    check = Checker(rel, problems)
    rules = []
    for entry in data or []:
        before = len(problems)
        check.keys(entry, RULE_KEYS, {"id", "title", "validity_months", "credits_required", "categories"}, "rule")
        check.integer(entry, "validity_months", 1, 240, "rule")
        check.integer(entry, "credits_required", 1, 1000, "rule")
        for key in ("min_realtime_credits", "min_categories", "renewal_window_days"):
            if entry.get(key) is not None:
                check.integer(entry, key, 1, 1000, "rule")
        title = check.per_language(entry, "title", "rule")
        categories = []
        for category in entry.get("categories") or []:
            check.keys(category, {"id", "title", "realtime"}, {"id", "title"}, "category")
            categories.append({"id": category.get("id"), "titles": check.per_language(category, "title", "category"),
                               "realtime": bool(category.get("realtime", False))})
        if entry.get("min_realtime_credits") and not any(c["realtime"] for c in categories):
            check.add(line_of(entry, "categories"), "min_realtime_credits needs a category marked realtime: true")
        if len(problems) == before:
            rules.append({"id": entry["id"], "titles": title, "validity_months": entry["validity_months"],
                          "credits_required": entry["credits_required"],
                          "min_realtime_credits": entry.get("min_realtime_credits"),
                          "min_categories": entry.get("min_categories"),
                          "renewal_window_days": entry.get("renewal_window_days"),
                          "categories": categories, "is_default": bool(entry.get("default", False))})
    course.extras["credential_rules"] = rules
    return problems


def import_rules(course: CourseFiles, *, now: datetime, on_item=None) -> ImportReport:
    report = ImportReport()
    existing = {r.id: r for r in db.session.scalars(select(CredentialRule))}
    for position, fields in enumerate(course.extras.get("credential_rules", []), start=1):
        fields = {**fields, "position": position}
        rule = existing.get(fields["id"])
        label = f"credential rule {fields['id']}"
        if rule is None:
            db.session.add(CredentialRule(**fields))
            report.added.append(label)
        elif any(getattr(rule, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(rule, key, value)
            report.changed.append(label)
        else:
            report.unchanged.append(label)
        if on_item:
            on_item()
    db.session.flush()
    return report
