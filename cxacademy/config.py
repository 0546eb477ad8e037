"""Configuration: every setting comes from the environment, with safe development defaults."""
from __future__ import annotations

import os


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str | None) -> str | None:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    """Settings shared by every environment. Read once, when the class body runs at import."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # None means: SQLite file in the instance folder (decided in create_app, which knows the path).
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    LANGUAGES = ("en", "tr", "de")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Largest accepted request body; evidence uploads (5 MB) fit with room for the form around them.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 6 * 1024 * 1024))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # token lives as long as the session: a slow exam page must still submit

    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 7 * 24 * 3600  # a trainer's invitation link lasts a week
    PASSWORD_MIN_LENGTH = 10

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "CX Academy <no-reply@cxacademy.local>")
    MAIL_SUPPRESS_SEND = _bool("MAIL_SUPPRESS_SEND", False)

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # memory:// counts per process; with several app servers use redis://host:6379/0 so they share counts.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # If Redis goes away, count in process memory until it is back rather than failing requests.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "cxacademy")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per 15 minutes")

    # Reminder windows in days before expiry (negative: after); the renewal window's opening is added per rule.
    REMINDER_DAYS = tuple(int(d) for d in os.environ.get("REMINDER_DAYS", "180,90,30,7,0,-30").split(","))
    # Where evidence files for renewal credits are kept (outside static/); default instance/evidence.
    EVIDENCE_FOLDER = os.environ.get("EVIDENCE_FOLDER")

    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Number of reverse proxies (nginx, a load balancer) in front of the app whose X-Forwarded-For,
    # -Proto and -Host are trusted. 0 (default): none, the peer address is the client. Behind one
    # nginx set 1, or every client shares nginx's address and one rate limit.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # `make bench` only: a bare "hello" page (no session, no database) that load figures are compared with.
    BENCH_HELLO_ENDPOINT = _bool("BENCH_HELLO_ENDPOINT", False)
    # Public address used in emails (links must work outside a request, e.g. from cron).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    @classmethod
    def validate(cls) -> None:
        """Raise ConfigurationError when a setting makes the app unsafe to start."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = False
    # Development only: a fixed, obviously non-secret key so `make run` needs no set-up.
    SECRET_KEY = Config.SECRET_KEY or "dev-only-not-secret"
    MAIL_SUPPRESS_SEND = _bool("MAIL_SUPPRESS_SEND", True)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("TEST_DATABASE_URL"))
    RATELIMIT_ENABLED = False
    BENCH_HELLO_ENDPOINT = False  # whatever the shell says: tests that need it turn it on
    MAIL_SUPPRESS_SEND = False
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 0  # tests point this at their own SMTP server
    PUBLIC_BASE_URL = "http://localhost"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def validate(cls) -> None:
        if not cls.SECRET_KEY or len(cls.SECRET_KEY) < 16:
            raise ConfigurationError(
                "SECRET_KEY is not set (or shorter than 16 characters). Production refuses to start "
                "without it. Generate one with: python -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if not cls.SQLALCHEMY_DATABASE_URI:
            raise ConfigurationError("DATABASE_URL is not set. Production needs a database URL.")


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """Pick the config class named by CXACADEMY_ENV (development by default)."""
    name = os.environ.get("CXACADEMY_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigurationError(
            f"CXACADEMY_ENV={name!r} is not one of: {', '.join(CONFIGS)}"
        ) from None
