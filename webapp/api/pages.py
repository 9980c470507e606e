"""Site pages of the API: its documentation and the page where each account issues its token."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_login import login_required

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
    # The page lives with the accounts (list, expiry, revoke): webapp/accounts/self_service.py.
    from ..accounts.self_service import token_page

    return token_page()
