"""Sign in, sign out, the language switch and the home page that sends each role to its part."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import LANGUAGES, get_store
from ..services.events import record_event
from . import throttle
from .operations import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, authenticate, end_sessions

__all__ = ["bp", "HOME_BY_ROLE"]

bp = Blueprint("accounts", __name__)

#: where each role lands after signing in (endpoints are registered by each audience's blueprint)
HOME_BY_ROLE = {
    "officer": "officer.dashboard",
    "organization": "organization.home",
    "reviewer": "review.home",
    "admin": "admin.home",
}


def _home_url() -> str:
    endpoint = HOME_BY_ROLE.get(current_user.role, "accounts.index")
    try:
        return url_for(endpoint)
    except Exception:  # the audience's blueprint is not part of this build
        return url_for("accounts.welcome")


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(_home_url())
    return redirect(url_for("accounts.login"))


@bp.get("/welcome")
@login_required
def welcome():
    return render_template("auth/welcome.html")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    if len(target) > 2000 or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # a control character cannot go into a Location header
    parts = urlsplit(target)
    # Only a path on this site: never send someone elsewhere after signing in.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        password = request.form.get("password", "")
        if len(username) > MAX_USERNAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
            # Refused before any hash, count or audit entry: nothing this size is ever stored.
            flash(_("用户名或密码过长"), "error")
            return render_template("auth/login.html", username=""), 400
        wait = throttle.wait_seconds(username)
        if wait:
            return _throttled(wait)
        user = authenticate(username, password)
        if user is None:
            throttle.record_failure(username)
            flash(_("用户名或密码错误"), "error")
            record_event(get_store(), username or "?", "login_failed", f"user:{username}")
        elif not user.is_active:
            flash(
                _("账号尚未通过审核或已停用") if user.status == "pending" else _("账号已停用"),
                "error",
            )
        else:
            session.clear()
            login_user(user)
            record_event(get_store(), user.actor, "login", f"user:{user.username}")
            return redirect(_safe_next(request.args.get("next")) or _home_url())
        return render_template("auth/login.html", username=username), 401
    return render_template("auth/login.html", username="")


def _throttled(wait: int):
    flash(_("登录尝试过多，请稍后再试"), "error")
    response = render_template("auth/login.html", username="")
    return response, 429, {"Retry-After": str(wait)}


@bp.errorhandler(429)
def too_many_attempts(error):
    # Throttled sign-in: the sign-in page itself, with the reason, instead of a bare error page.
    flash(_("登录尝试过多，请稍后再试"), "error")
    return render_template("auth/login.html", username=""), 429


@bp.post("/logout")
@login_required
def logout():
    # Every session of the account ends, on every worker: the cookie from before is worthless.
    end_sessions(current_user.id, revoke_tokens=False)
    logout_user()
    session.clear()
    flash(_("已退出登录"), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")) or url_for("accounts.index"))


from . import self_service  # noqa: E402,F401  (own password and API tokens: routes on bp)
