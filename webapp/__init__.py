"""The Baotuan site, JSON API and command line.

Examples
--------
>>> import tempfile
>>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp()})
>>> app.test_client().get("/login").status_code
200
"""

from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

__all__ = ["create_app", "BLUEPRINT_MODULES"]

#: one blueprint per audience; each module exposes ``bp`` (and optionally ``init_app(app)``)
BLUEPRINT_MODULES = (
    "webapp.accounts.views",
    "webapp.officer.views",
    "webapp.organization.views",
    "webapp.review.views",
    "webapp.admin.views",
    "webapp.api",
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


def _secret_key(instance: Path) -> str:
    if os.environ.get("BAOTUAN_SECRET_KEY"):
        return os.environ["BAOTUAN_SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the site.

    Parameters
    ----------
    test_config : dict, optional
        Settings that override the defaults; ``INSTANCE`` names the instance folder (default
        ``$BAOTUAN_INSTANCE`` or ``./instance``); ``STORE`` the store location (default
        ``$BAOTUAN_STORE`` or ``<instance>/baotuan.sqlite``).
    """
    test_config = dict(test_config or {})
    instance = Path(
        test_config.pop("INSTANCE", None) or os.environ.get("BAOTUAN_INSTANCE") or "instance"
    ).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    from .i18n import compile_translations, domains
    from .throttle_storage import storage_uri

    translations = compile_translations()
    app.config.from_mapping(
        SECRET_KEY=None,
        DATABASE=str(instance / "site.sqlite"),
        STORE=os.environ.get("BAOTUAN_STORE") or str(instance / "baotuan.sqlite"),
        BABEL_DEFAULT_LOCALE="zh",
        BABEL_TRANSLATION_DIRECTORIES=str(translations),
        BABEL_DOMAIN=";".join(domains()) or "messages",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("BAOTUAN_SECURE_COOKIES", "") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=os.environ.get("BAOTUAN_SECURE_COOKIES", "") == "1",
        PERMANENT_SESSION_LIFETIME=8 * 3600,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        RATELIMIT_ENABLED=True,
        RATELIMIT_HEADERS_ENABLED=True,  # Retry-After on a 429
        # One count per client across all worker processes (webapp/throttle_storage.py).
        RATELIMIT_STORAGE_URI=storage_uri(str(instance / "throttle.sqlite")),
        PAGE_SIZE=50,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _secret_key(instance)
    if app.config["BABEL_DOMAIN"].count(";") and not app.config[
        "BABEL_TRANSLATION_DIRECTORIES"
    ].count(";"):
        # Flask-Babel pairs directories and domains one to one.
        n = app.config["BABEL_DOMAIN"].count(";") + 1
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join([str(translations)] * n)

    proxies = int(os.environ.get("BAOTUAN_PROXY_COUNT", "0") or 0)
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
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.user_loader(load_user)
    init_templating(app)
    from . import busy

    busy.init_app(app)

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
