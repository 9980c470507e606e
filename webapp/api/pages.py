"""Site pages of the API: its documentation and the page where each account issues its token."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..accounts.operations import issue_api_token
from ..sitedb import get_session
from ..sitedb.models import User as UserRow

__all__ = ["pages"]

pages = Blueprint("api_pages", __name__, template_folder="templates")


@pages.get("/api/v1/docs")
def docs():
    spec = current_app.extensions["baotuan_api"].spec.to_dict()
    operations = []
    for path, item in spec.get("paths", {}).items():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        p
                        for p in op.get("parameters", []) + item.get("parameters", [])
                        if isinstance(p, dict) and "name" in p
                    ],
                    "body": _ref_name(op.get("requestBody", {})),
                    "responses": sorted(op.get("responses", {})),
                    "auth": bool(op.get("security")),
                    "tag": (op.get("tags") or [""])[0],
                }
            )
    schemas = spec.get("components", {}).get("schemas", {})
    return render_template("api/docs.html", spec=spec, operations=operations, schemas=schemas)


def _ref_name(body: dict) -> str:
    schema = body.get("content", {}).get("application/json", {}).get("schema", {})
    return schema.get("$ref", "").rsplit("/", 1)[-1]


@pages.route("/account/api-token", methods=["GET", "POST"])
@login_required
def token():
    new_token = None
    if request.method == "POST":
        new_token = issue_api_token(current_user, current_user.actor)
        flash(_("已生成新的 API 令牌；旧令牌即刻失效。令牌只显示这一次，请妥善保存。"), "success")
    token_hash = get_session().scalar(
        select(UserRow.api_token_hash).where(UserRow.id == current_user.id)
    )
    return render_template("api/token.html", token=new_token, has_token=token_hash is not None)
