"""What every signed-in person does on their own account: change the password, manage API tokens.

Pages that show a secret (a new token) are sent with ``Cache-Control: no-store``.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from ..errors import AccountError
from .models import User, find_by_username
from .operations import change_own_password, issue_api_token, revoke_token
from .tokens import MAX_DAYS, list_tokens
from .views import bp

__all__ = ["token_page", "no_store"]


def no_store(response):
    """Mark a response that shows a secret: no browser or proxy may keep a copy."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "GET":
        return render_template("auth/password.html")
    try:
        change_own_password(
            current_user,
            request.form.get("current", ""),
            request.form.get("password", ""),
            request.form.get("password2", ""),
        )
    except AccountError as exc:
        flash(_(str(exc)), "error")
        return render_template("auth/password.html"), 400
    # Every other session has ended; this browser goes on with a session of the new password.
    row = find_by_username(current_user.username)
    if row is not None:
        login_user(User.from_row(row))
    flash(_("密码已修改；其他设备上的登录和全部 API 令牌已失效"), "success")
    return redirect(url_for("accounts.index"))


def _days(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 5:
        raise AccountError(f"有效天数须为 1–{MAX_DAYS} 的整数")
    return int(raw)


def token_page():
    """The API token page: issue (with a name and an expiry), list and revoke."""
    new_token, status = None, 200
    if request.method == "POST":
        try:
            new_token = issue_api_token(
                current_user,
                current_user.actor,
                label=request.form.get("label", ""),
                days=_days(request.form.get("days", "")),
            )
            flash(_("已生成新的 API 令牌。令牌只显示这一次，请妥善保存。"), "success")
        except AccountError as exc:
            flash(_(str(exc)), "error")
            status = 400
    response = make_response(
        render_template(
            "api/token.html", token=new_token, tokens=list_tokens(current_user.id), days=MAX_DAYS
        ),
        status,
    )
    return no_store(response)


@bp.post("/account/api-token/<int:token_id>/revoke")
@login_required
def revoke_own_token(token_id: int):
    if revoke_token(current_user.id, current_user.username, token_id, current_user.actor):
        flash(_("令牌已撤销"), "success")
    else:
        flash(_("没有这个有效的令牌"), "error")
    return redirect(url_for("api_pages.token"))
