"""The Baotuan site, JSON API and command line.

Examples
--------
>>> import tempfile
>>> from webapp.settings import Settings
>>> app = create_app(Settings.from_env({}, instance=tempfile.mkdtemp()))
>>> app.test_client().get("/login").status_code
200
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from .settings import Settings

__all__ = ["create_app", "current_settings", "BLUEPRINT_MODULES"]

#: one blueprint per audience; each module exposes ``bp`` (and optionally ``init_app(app)``)
BLUEPRINT_MODULES = (
    "webapp.accounts.views",
    "webapp.officer.views",
    "webapp.organization.views",
    "webapp.review.views",
    "webapp.roadshow.views",
    "webapp.admin.views",
    "webapp.api",
    "webapp.letter_check",
)

_SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
    # No inline scripts anywhere: every script is a file under /static.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
}


def current_settings() -> Settings:
    """The :class:`~webapp.settings.Settings` the current application was built with."""
    return current_app.extensions["baotuan_settings"]


def create_app(
    settings: Settings | Mapping[str, Any] | None = None,
    test_config: Mapping[str, Any] | None = None,
) -> Flask:
    """Build the site from one :class:`~webapp.settings.Settings` (read nowhere else).

    Parameters
    ----------
    settings : Settings or mapping, optional
        The settings (default ``Settings.from_env()``). A mapping is taken as ``test_config``
        (the Flask-tutorial style the test fixtures use).
    test_config : mapping, optional
        Flask config keys for tests (``TESTING``, ``WTF_CSRF_ENABLED``...) set last; its
        ``INSTANCE``, ``STORE`` and ``SECRET_KEY`` become overrides of the settings, and so do
        ``DATABASE_URL`` and ``REDIS_URL`` when they are set (``None`` there stays a config
        value: no Redis for this app whatever the settings say).
    """
    if settings is not None and not isinstance(settings, Settings):
        settings, test_config = None, settings
    test_config = dict(test_config or {})
    overrides = {
        "instance": test_config.pop("INSTANCE", None),
        "store": test_config.pop("STORE", None),
        "secret_key": test_config.pop("SECRET_KEY", None),
    }
    for key, field in (("DATABASE_URL", "database_url"), ("REDIS_URL", "redis_url")):
        if test_config.get(key):
            overrides[field] = test_config.pop(key)
    if settings is None:
        settings = Settings.from_env(**overrides)
    else:
        settings = settings.with_overrides(**overrides)
    instance = settings.instance
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    app.extensions["baotuan_settings"] = settings
    from .i18n import compile_translations, domains
    from .throttle_storage import storage_uri

    translations = compile_translations()
    app.config.from_mapping(
        SECRET_KEY=settings.ensure_secret_key(),
        DATABASE=str(instance / "site.sqlite"),
        DATABASE_URL=settings.database_url,
        STORE=settings.store,
        BABEL_DEFAULT_LOCALE=settings.locale,
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
        BABEL_DOMAIN=";".join(domains()) or "messages",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=settings.session_hours * 3600,
        WTF_CSRF_TIME_LIMIT=settings.session_hours * 3600,
        MAX_CONTENT_LENGTH=settings.max_upload_bytes,
        RATELIMIT_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,  # Retry-After on a 429
        # One count per client across all worker processes (webapp/throttle_storage.py).
        # Redis instead when there is one: then the counts are shared across machines too.
        RATELIMIT_STORAGE_URI=storage_uri(str(instance / "throttle.sqlite"), settings.redis_url),
        # Long jobs (matcher runs) on this Redis queue; None: in a thread (webapp/jobs/).
        REDIS_URL=settings.redis_url,
        JOB_QUEUE=settings.queue_name,  # enqueue and `baotuan worker` use this queue
        # Redis unreachable: count in this process's memory meanwhile (sign-in keeps working and
        # stays throttled), and go back to Redis once it answers again.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=bool(settings.redis_url),
        PAGE_SIZE=settings.page_size,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(test_config)
    if app.config["BABEL_DOMAIN"].count(";") and not app.config[
        "BABEL_TRANSLATION_DIRECTORIES"
    ].count(";"):
        # Flask-Babel pairs directories and domains one to one.
        n = app.config["BABEL_DOMAIN"].count(";") + 1
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([str(translations)] * n)

    proxies = settings.proxy_count
    if proxies:
        # Behind a reverse proxy every request comes from the proxy: take the client's address
        # (which login throttling counts) and scheme from the headers the proxy sets.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    from . import db
    from .accounts.models import load_user
    from .extensions import babel, csrf, init_store, limiter, login_manager, select_locale
    from .templating import init_templating

    db.init_app(app)
    init_store(app)
    from .sitedb import approvals

    approvals.init_app(app)  # finish or undo the approvals a stopped process left half-done
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.user_loader(load_user)
    init_templating(app)
    from . import busy, request_limits

    busy.init_app(app)
    request_limits.init_app(app)  # lengths and JSON depth before any view (issue 13)

    for name in BLUEPRINT_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):  # an audience not built yet
                continue
            raise
        if hasattr(module, "init_app"):
            module.init_app(app)
        else:
            app.register_blueprint(module.bp)

    @app.after_request
    def security_headers(response):
        for header, value in _SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    return app
