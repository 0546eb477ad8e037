"""Response headers every page carries, the same-site check for `next` redirects, input the
database cannot take (NUL characters, ids beyond its integers), and CSV cells that spreadsheets
show as text."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, abort, current_app, request
from werkzeug.routing import IntegerConverter

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def safe_next_url(target: str | None) -> str | None:
    """Return `target` when it is a path on this site, else None (so the caller uses a default)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# A cell starting with one of these is run as a formula by Excel, LibreOffice and Google Sheets
# (OWASP "CSV injection"): a learner named =HYPERLINK(...) must stay a name in a trainer's export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """The cell as text, with a leading apostrophe when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# The largest id the database holds (PostgreSQL `integer`); a larger number in a URL is a 404, not
# a database error (PostgreSQL: integer out of range; SQLite: Python int too large).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """<int:...> in routes: 0 to MAX_ID."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def refuse_nul_characters() -> None:
    """PostgreSQL text cannot hold NUL (U+0000) and no form needs one: a request with one in its
    path, query, form fields or file names is a 400 before any view runs, not a database error."""
    values = [request.path]
    for source in (request.args, request.form):
        for key, items in source.lists():
            values.append(key)
            values.extend(items)
    values.extend(upload.filename or "" for _key, upload in request.files.items(multi=True))
    if any("\x00" in value for value in values):
        abort(400)
