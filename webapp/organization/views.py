"""Pages of the social organization (社会组织) and the registration 审核 of officers and admins."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from graph_schema import ORG_KINDS, SERVICES
from graph_schema.store.base import ImportReport

from ..accounts.access import role_required
from ..extensions import limiter
from ..services.profile import update_profile
from ..services.volunteers import add_volunteer, delete_volunteer, import_volunteers
from .data import county_centres
from .forms import field_label
from .profile import ProfileError, assigned_villages, load_profile, track_record
from .registration import (
    RegistrationError,
    approve_registration,
    pending_registrations,
    possible_duplicates,
    reject_registration,
    submit_registration,
)
from .volunteers import VolunteerError, list_volunteers

__all__ = ["bp", "init_app"]

bp = Blueprint("organization", __name__, url_prefix="/organization")
PAGE = 50


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _own_org_id() -> str:
    org_id = current_user.org_id
    if not org_id:
        abort(403)
    return org_id


def _page() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


# -- registration ------------------------------------------------------------------------------
@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"], error_message="注册提交过于频繁，请稍后再试")
def register():
    errors: dict[str, str] = {}
    form = request.form
    if request.method == "POST":
        try:
            reg = submit_registration(form)
        except RegistrationError as exc:
            errors = exc.errors
            flash(_("注册信息有误，请按提示修改"), "error")
        else:
            # The same answer whether or not the username was taken (issue 13: no enumeration);
            # a taken one is settled by the reviewer, who tells the applicant by phone.
            flash(
                _(
                    "申请已提交（组织编号 %(org)s），请等待民政部门审核；"
                    "审核结果和登录用户名将通过您填写的联系电话告知。",
                    org=reg.org_id,
                ),
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template(
        "organization/register.html",
        form=form,
        errors=errors,
        centres=county_centres(),
        kinds=ORG_KINDS,
        services=SERVICES,
        field_label=field_label,
    ), (400 if errors else 200)


@bp.get("/pending")
@role_required("officer", "admin")
def pending():
    regs = pending_registrations()
    return render_template(
        "organization/pending.html",
        regs=regs,
        duplicates=possible_duplicates(regs),
        approved=pending_registrations("approved", limit=20),
        rejected=pending_registrations("rejected", limit=20),
    )


@bp.post("/pending/<int:reg_id>/approve")
@role_required("officer", "admin")
def approve(reg_id: int):
    try:
        reg = approve_registration(reg_id, current_user.actor, request.form.get("username", ""))
    except LookupError:
        abort(404)
    except RegistrationError as exc:
        flash("；".join(exc.errors.values()), "error")
    else:
        flash(_("已通过 %(name)s 的注册，组织已建立，账号已启用", name=reg.name), "success")
    return redirect(url_for("organization.pending"))


@bp.post("/pending/<int:reg_id>/reject")
@role_required("officer", "admin")
def reject(reg_id: int):
    try:
        reg = reject_registration(reg_id, current_user.actor, request.form.get("reason", ""))
    except LookupError:
        abort(404)
    except RegistrationError as exc:
        flash("；".join(exc.errors.values()), "error")
    else:
        flash(_("已退回 %(name)s 的注册", name=reg.name), "info")
    return redirect(url_for("organization.pending"))


# -- the organization's own pages --------------------------------------------------------------
@bp.get("/")
@role_required("organization")
def home():
    profile = load_profile(_own_org_id())
    record = track_record(_own_org_id()) if profile else None
    return render_template(
        "organization/home.html",
        profile=profile,
        record=record,
        errors={},
        form=None,
        services=SERVICES,
    )


@bp.post("/profile")
@role_required("organization")
def profile_update():
    org_id = _own_org_id()
    try:
        changed = update_profile(org_id, request.form, current_user.actor)
    except ProfileError as exc:
        flash(_("资料未保存，请按提示修改"), "error")
        profile = load_profile(org_id)
        return render_template(
            "organization/home.html",
            profile=profile,
            record=track_record(org_id) if profile else None,
            errors=exc.errors,
            form=request.form,
            services=SERVICES,
        ), 400
    flash(_("资料已保存") if changed else _("资料没有变化"), "success" if changed else "info")
    return redirect(url_for("organization.home"))


def _volunteers_page(page: int = 1, errors=None, problems=None, status: int = 200):
    items, total = list_volunteers(_own_org_id(), PAGE, (page - 1) * PAGE)
    return render_template(
        "organization/volunteers.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE)),
        errors=errors or {},
        problems=problems or [],
        form=request.form if errors else None,
        services=SERVICES,
    ), status


@bp.get("/volunteers")
@role_required("organization")
def volunteers():
    return _volunteers_page(_page())


@bp.post("/volunteers")
@role_required("organization")
def volunteer_add():
    try:
        vid = add_volunteer(
            _own_org_id(), request.form, request.form.getlist("skills"), current_user.actor
        )
    except VolunteerError as exc:
        flash(_("志愿者未添加，请按提示修改"), "error")
        return _volunteers_page(errors=exc.errors, status=400)
    flash(_("已添加志愿者 %(id)s", id=vid), "success")
    return redirect(url_for("organization.volunteers"))


@bp.post("/volunteers/<volunteer_id>/delete")
@role_required("organization")
def volunteer_delete(volunteer_id: str):
    if not delete_volunteer(_own_org_id(), volunteer_id, current_user.actor):
        abort(404)
    flash(_("已删除志愿者 %(id)s", id=volunteer_id), "info")
    return redirect(url_for("organization.volunteers"))


@bp.get("/volunteers/template.xlsx")
@role_required("organization")
def volunteer_template():
    from graph_schema.contract.xlsx_templates import volunteer_template as template

    from ..admin.downloads import send_xlsx

    return send_xlsx(template(), "volunteers-template.xlsx")


@bp.post("/volunteers/upload")
@role_required("organization")
def volunteer_upload():
    from .activities_upload import run_upload

    org_id = _own_org_id()

    def page(status: int, problems=None):
        return _volunteers_page(problems=problems, status=status)

    report = run_upload(lambda f: import_volunteers(org_id, f, current_user.actor), page)
    if not isinstance(report, ImportReport):
        return report
    flash(
        _(
            "已导入 %(n)s 名志愿者、%(s)s 项技能（其中 %(c)s 行有变化）",
            n=report.rows.get("volunteers", 0),
            s=report.rows.get("volunteer_skills", 0),
            c=report.total_changed,
        ),
        "success",
    )
    return redirect(url_for("organization.volunteers"))


def _activities_page(errors=None, status: int = 200, problems=None):
    from .data import rows

    org_id = _own_org_id()
    acts = rows("activities", org_id=org_id).sort_values("date", ascending=False).head(PAGE)
    return render_template(
        "organization/activities.html",
        villages=assigned_villages(org_id),
        volunteers=list_volunteers(org_id, 500)[0],
        activities=acts.astype(object).where(acts.notna(), None).to_dict("records"),
        errors=errors or {},
        problems=problems or [],
        form=request.form if errors else None,
        services=SERVICES,
    ), status


@bp.get("/activities")
@role_required("organization")
def activities():
    return _activities_page()


@bp.post("/activities")
@role_required("organization")
def activity_add():
    from ..services.activities import ActivityError, record_activity

    hours = {
        key.removeprefix("hours_"): value
        for key, value in request.form.items()
        if key.startswith("hours_")
    }
    try:
        activity_id = record_activity(_own_org_id(), request.form, hours, current_user.actor)
    except ActivityError as exc:
        flash(_("活动未记录，请按提示修改"), "error")
        return _activities_page(errors=exc.errors, status=400)
    flash(_("已记录活动 %(id)s", id=activity_id), "success")
    return redirect(url_for("organization.activities"))


@bp.get("/volunteers/<volunteer_id>/hours.pdf")
@role_required("organization")
def volunteer_hours_certificate(volunteer_id: str):
    """志愿服务时长证明 of one of the organization's volunteers for ``?year=`` (default: this
    year in Beijing), from the hours of the organization's own activities in the ledger."""
    import datetime as dt

    from flask import Response

    from ..people_time import beijing_date
    from .hours import hours_certificate_pdf, organization_certificate

    today = beijing_date(dt.datetime.now(dt.UTC))
    year = request.args.get("year", type=int) or int(today[:4])
    cert = organization_certificate(_own_org_id(), volunteer_id, year, today)
    if cert is None:
        abort(404)
    return Response(
        hours_certificate_pdf(cert),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="hours-{volunteer_id}-{year}.pdf"'},
    )


@bp.get("/villages")
@role_required("organization")
def villages():
    return render_template("organization/villages.html", villages=assigned_villages(_own_org_id()))


@bp.get("/record/<org_id>")
@role_required("organization", "officer", "reviewer", "admin")
def record(org_id: str):
    if current_user.role == "organization" and current_user.org_id != org_id:
        abort(403)
    profile = load_profile(org_id)
    if profile is None:
        abort(404)
    return render_template("organization/record.html", profile=profile, record=track_record(org_id))


from . import activities_upload, arrival  # noqa: E402,F401  (their routes are on bp)
