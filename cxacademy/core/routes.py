"""Core views: landing page, language switch, health check, and the load benchmark's baseline page."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db
from ..i18n import supported_languages
from ..security import safe_next_url
from .forms import LanguageForm

bp = Blueprint("core", __name__, template_folder="templates")
# Registered only when BENCH_HELLO_ENDPOINT is on (`make bench`); the route does not exist otherwise.
bench_bp = Blueprint("bench", __name__)


@bp.get("/")
def landing():
    if current_user.is_authenticated:
        return redirect(url_for("catalog.dashboard"))
    return render_template("core/landing.html")


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    lang = request.form.get("lang", "")
    if lang not in supported_languages():
        abort(400, description=_("Unknown language “%(code)s”. Choose English, Türkçe or Deutsch.", code=lang[:10]))
    session["lang"] = lang
    if current_user.is_authenticated:
        current_user.locale = lang
        db.session.commit()
    return redirect(safe_next_url(form.next.data) or url_for("core.landing"))


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify({"status": "unavailable", "database": "unreachable"}), 503
    return jsonify({"status": "ok"})


@bench_bp.get("/bench/hello")
def hello():
    """The cheapest page the same server can answer: no session, no database, no template.
    `make bench` divides every page's throughput by this one's."""
    return Response("hello", mimetype="text/plain")
