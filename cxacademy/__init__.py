"""CX Academy: the application factory. It builds the app and nothing else (no tables, no data)."""
from __future__ import annotations

import logging
import os
import sys

from flask import Flask

from .config import Config, config_from_environment


def create_app(config: type[Config] | None = None) -> Flask:
    config = config or config_from_environment()
    config.validate()

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "cxacademy.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"

    if app.config["TRUSTED_PROXIES"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    register_logging(app)
    register_extensions(app)
    register_converters(app)
    register_database(app)
    register_blueprints(app)
    register_tool_links(app)
    register_security(app)
    register_static_versions(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def register_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])


def register_extensions(app: Flask) -> None:
    from . import extensions as ext
    from .i18n import select_locale

    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    ext.csrf.init_app(app)
    ext.mail.init_app(app)
    ext.limiter.init_app(app)
    ext.babel.init_app(app, locale_selector=select_locale)
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "accounts.login"
    ext.login_manager.login_message_category = "info"
    ext.login_manager.session_protection = "basic"
    # Imported for its side effect: the model registers with the metadata and the user loader.
    from .accounts import models as _accounts_models  # noqa: F401
    from .assessment import models as _assessment_models  # noqa: F401
    from .authoring import models as _authoring_models  # noqa: F401
    from .catalog import models as _catalog_models  # noqa: F401
    from .cohorts import models as _cohorts_models  # noqa: F401
    from .credentials import models as _credentials_models  # noqa: F401
    from .tools import models as _tools_models  # noqa: F401


def register_converters(app: Flask) -> None:
    """Before the blueprints add their routes, which look their converters up."""
    from .security import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_database(app: Flask) -> None:
    from .database import register

    register(app)


def register_blueprints(app: Flask) -> None:
    from .accounts.routes import admin_bp, bp as accounts_bp
    from .assessment.routes import bp as assessment_bp
    from .authoring.routes import bp as authoring_bp
    from .catalog.routes import bp as catalog_bp
    from .cohorts.routes import bp as cohorts_bp
    from .core.routes import bench_bp, bp as core_bp
    from .credentials.routes import bp as credentials_bp
    from .tools.routes import bp as tools_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(catalog_bp)
    app.register_blueprint(assessment_bp)
    app.register_blueprint(credentials_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(authoring_bp)
    app.register_blueprint(tools_bp)
    if app.config["BENCH_HELLO_ENDPOINT"]:
        app.register_blueprint(bench_bp)


def register_tool_links(app: Flask) -> None:
    """The 5D self-assessment links to lessons only when the learner can open them."""
    from flask_login import current_user

    from .catalog.services import visible_lesson
    from .tools.five_d import use_lesson_lookup

    use_lesson_lookup(app, lambda lesson_id: visible_lesson(lesson_id, current_user.id) is not None)


def register_security(app: Flask) -> None:
    from .security import refuse_nul_characters, set_security_headers

    app.before_request(refuse_nul_characters)
    app.after_request(set_security_headers)


def register_static_versions(app: Flask) -> None:
    from . import static_files

    static_files.register(app)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from .i18n import LANGUAGE_NAMES, current_language, install_template_gettext

    install_template_gettext(app)

    from flask_babel import format_date, format_datetime

    from .assessment.models import attempt_kind_label
    from .catalog.models import competency_label

    from .accounts.forms import ROLE_LABELS

    from flask_babel import format_decimal
    from flask_login import current_user

    from .credentials.models import credential_status_label
    from .credentials.services import unread_count

    @app.context_processor
    def inject_language():
        return {"language_names": LANGUAGE_NAMES, "current_language": current_language()}

    @app.context_processor
    def inject_unread():
        # One COUNT per page for the header badge; a lambda so pages that never show it pay nothing.
        return {"unread_notifications": (lambda: unread_count(current_user.id)) if current_user.is_authenticated
                else (lambda: 0)}

    def user_name(user_id):
        from .accounts.models import User
        from .extensions import db

        user = db.session.get(User, user_id) if user_id else None
        return user.name if user else "—"

    app.jinja_env.globals.update(user_name=user_name, role_label=lambda role: ROLE_LABELS.get(role, role), format_datetime=format_datetime,
                           format_date=format_date, competency_label=competency_label,
                           attempt_kind_label=attempt_kind_label, credential_status_label=credential_status_label,
                           format_decimal=format_decimal)


def register_cli(app: Flask) -> None:
    from .accounts.cli import demo_cli, users_cli
    from .assessment.cli import assessment_cli
    from .authoring.cli import register_content_checks
    from .catalog.cli import content_cli
    from .credentials.cli import reminders_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(assessment_cli)
    app.cli.add_command(reminders_cli)
    from .core.cli import backup_command, bench_cli

    app.cli.add_command(backup_command)
    app.cli.add_command(bench_cli)
    register_content_checks()
