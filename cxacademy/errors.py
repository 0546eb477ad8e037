"""Error pages: every failure gets a page in the user's language with the right status."""
from __future__ import annotations

import time

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db, limiter


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _render(status: int, title: str, message: str, **extra):
    if _wants_json():
        return jsonify({"error": title, "message": message, **extra}), status
    return render_template("errors/error.html", status=status, title=title, message=message, **extra), status


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400,
            _("Your form has expired"),
            _("The page was open too long or came from elsewhere. Go back, reload the page and try again: nothing was saved."),
        )

    @app.errorhandler(400)
    def bad_request(error: HTTPException):
        # A view that aborts with its own (translated) description gets it shown; otherwise a generic text.
        custom = error.description if error.description != type(error).description else None
        return _render(400, _("Bad request"), custom or _("The request could not be understood."))

    @app.errorhandler(403)
    def forbidden(error: HTTPException):
        return _render(403, _("Access denied"), _("Your account does not have access to this page."))

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        return _render(404, _("Page not found"), _("There is nothing at this address. Check the link or go back to the home page."))

    @app.errorhandler(405)
    def method_not_allowed(error: HTTPException):
        return _render(405, _("Not allowed"), _("This address does not accept that kind of request."))

    @app.errorhandler(409)
    def conflict(error: HTTPException):
        custom = error.description if error.description != type(error).description else None
        return _render(409, _("This cannot be done now"), custom or _("The request conflicts with the current state."))

    @app.errorhandler(413)
    def too_large(error: HTTPException):
        limit_mb = app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
        return _render(
            413,
            _("Upload too large"),
            _("What you sent is larger than the %(limit).0f MB limit. Nothing was saved.", limit=limit_mb),
        )

    @app.errorhandler(429)
    def too_many(error: HTTPException):
        retry_after = 60
        current = limiter.current_limit
        if current is not None:
            retry_after = max(1, int(current.reset_at - time.time()))
        body, status = _render(
            429,
            _("Too many attempts"),
            _("Please wait %(seconds)d seconds before trying again.", seconds=retry_after),
            retry_after=retry_after,
        )
        return body, status, {"Retry-After": str(retry_after)}

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        db.session.rollback()
        app.logger.error("database unavailable: %s", error)
        return _render(503, _("Temporarily unavailable"), _("The service cannot reach its database right now. Please try again in a minute."))

    @app.errorhandler(500)
    def server_error(error: Exception):
        db.session.rollback()
        return _render(500, _("Something went wrong"), _("An unexpected error occurred. It has been logged; please try again."))
