"""Which language a request is served in: the user's preference, then the browser, then English."""
from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe", "de": "Deutsch"}


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    languages = supported_languages()
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


def install_template_gettext(app: Flask) -> None:
    """Give templates a cheaper gettext than Flask-Babel's. A page translates dozens of strings (the
    dashboard 65), and Flask-Babel finds the catalogue through several context lookups for each;
    here the catalogue is kept per locale (it does not change while the app runs), and the locale is
    still read on every call, so force_locale (mail in the recipient's language) keeps working."""
    by_locale: dict = {}

    def translations():
        locale = get_locale()
        found = by_locale.get(locale)
        if found is None:
            found = by_locale[locale] = get_translations()
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)
