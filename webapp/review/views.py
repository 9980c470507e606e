"""Pages of the reviewer (评审专家): score finished projects, and the 疑点清单 for everyone who checks."""

from __future__ import annotations

from collections import Counter

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema import SERVICES

from ..accounts.access import role_required
from ..db import get_db
from ..extensions import get_store
from ..integrity import RULE_LABELS_ZH
from ..integrity.marks import MAX_NOTE
from ..integrity.service import find_item, listed_items, localized_reason
from ..organization.data import county_centres, one_row, rows
from ..services.integrity import mark_checked, reopen
from ..services.reviews import save_review
from .rubric import RUBRIC, ReviewError, finished_projects, rubric_of

__all__ = ["bp", "init_app"]

bp = Blueprint("review", __name__, url_prefix="/review")
PAGE = 50
CHECKERS = ("officer", "reviewer", "admin")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


@bp.get("/")
@role_required("reviewer", "admin")
def home():
    service = request.args.get("service", "")
    service = service if service in SERVICES else ""
    county = request.args.get("county", "")
    search = request.args.get("q", "")[:100]
    mine_only = request.args.get("todo") == "1"
    projects = finished_projects(
        service=service,
        county=county,
        search=search,
        unreviewed_by=current_user.username if mine_only else "",
    )
    page = _page()
    shown = projects.iloc[(page - 1) * PAGE : page * PAGE]
    return render_template(
        "review/home.html",
        projects=shown.to_dict("records"),
        total=len(projects),
        page=page,
        pages=max(1, -(-len(projects) // PAGE)),
        services=SERVICES,
        counties=list(county_centres()),
        filters={"service": service, "county": county, "q": search, "todo": mine_only},
    )


def _project_context(project_id: str) -> dict:
    project = one_row("projects", project_id=project_id)
    if project is None:
        abort(404)
    lead = one_row("organizations", org_id=project["lead_org_id"])
    partners = rows("project_orgs", project_id=project_id)
    partner_orgs = []
    for p in partners.itertuples(index=False):
        org = one_row("organizations", org_id=p.org_id)
        partner_orgs.append(
            {"org_id": p.org_id, "name": org["name"] if org else p.org_id, "role": p.role}
        )
    village = (
        one_row("villages", village_id=project["village_id"]) if project["village_id"] else None
    )
    reviews = rows("reviews", project_id=project_id).sort_values("reviewed_on", ascending=False)
    parts = rubric_of(project_id)
    return {
        "project": project,
        "lead": lead,
        "partners": partner_orgs,
        "village": village,
        "reviews": [
            dict(r._asdict(), parts=parts.get((r.reviewed_on, r.reviewer)))
            for r in reviews.itertuples(index=False)
        ],
        "rubric": RUBRIC,
    }


@bp.route("/projects/<project_id>", methods=["GET", "POST"])
@role_required("reviewer", "admin")
def score(project_id: str):
    context = _project_context(project_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        parts = {name: request.form.get(name, "") for name, _l, _h in RUBRIC}
        try:
            review = save_review(
                project_id,
                parts,
                request.form.get("comment", ""),
                current_user.username,
                current_user.actor,
            )
        except ReviewError as exc:
            errors = exc.errors
            flash(_("评分未保存，请按提示修改"), "error")
        else:
            flash(
                _(
                    "已保存对 %(name)s 的评分：%(score)s 分",
                    name=context["project"]["name"],
                    score=f"{review.score:g}",
                ),
                "success",
            )
            return redirect(url_for("review.score", project_id=project_id))
    return render_template("review/score.html", errors=errors, form=request.form, **context), (
        400 if errors else 200
    )


# -- 疑点清单 -------------------------------------------------------------------------------------
def _subject_link(subject: str) -> str | None:
    table, _sep, ident = subject.partition(":")
    if table == "organizations":
        return url_for("organization.record", org_id=ident)
    if table == "reviews" and current_user.role in ("reviewer", "admin"):
        return url_for("review.score", project_id=ident)
    officer_pages = current_user.role in ("officer", "admin")
    if table == "villages" and officer_pages and "officer.village" in current_app.view_functions:
        return url_for("officer.village", village_id=ident)
    return None


@bp.get("/integrity")
@role_required(*CHECKERS)
def integrity():
    rule = request.args.get("rule", "")
    rule = rule if rule in RULE_LABELS_ZH else ""
    status = request.args.get("status", "open")
    status = status if status in ("open", "checked", "all") else "open"
    everything = listed_items(status="all")
    counts = Counter(li.item.rule for li in everything)
    open_counts = Counter(li.item.rule for li in everything if not li.checked)
    items = [
        li
        for li in everything
        if (not rule or li.item.rule == rule)
        and (status == "all" or (status == "checked") == li.checked)
    ]
    page = _page()
    return render_template(
        "review/integrity.html",
        items=items[(page - 1) * PAGE : page * PAGE],
        total=len(items),
        page=page,
        pages=max(1, -(-len(items) // PAGE)),
        rules=RULE_LABELS_ZH,
        counts=counts,
        open_counts=open_counts,
        filters={"rule": rule, "status": status},
        subject_link=_subject_link,
        reason=localized_reason,
        max_note=MAX_NOTE,
    )


@bp.post("/integrity/mark")
@role_required(*CHECKERS)
def integrity_mark():
    key = request.form.get("key", "")
    item = find_item(key)
    if item is None:
        abort(404)
    if request.form.get("action") == "reopen":
        reopen(get_db(), get_store(), key, current_user.actor)
        flash(_("已重新打开该疑点"), "info")
    else:
        mark_checked(get_db(), get_store(), key, current_user.actor, request.form.get("note", ""))
        flash(_("已标记为已核实"), "success")
    back = {k: v for k, v in request.form.items() if k in ("rule", "status", "page") and v}
    return redirect(url_for("review.integrity", **back))
