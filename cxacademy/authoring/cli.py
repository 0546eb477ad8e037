"""Authoring's part of `flask content`: report browser edits that a file import would overwrite."""
from __future__ import annotations

from ..catalog.cli import CONTENT_PARTS
from .services import browser_edit_conflicts, no_import


def register_content_checks() -> None:
    if not any(check is browser_edit_conflicts for check, _ in CONTENT_PARTS):
        CONTENT_PARTS.append((browser_edit_conflicts, no_import))
