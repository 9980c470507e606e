"""API resources for the records of the data contract: villages, needs, organizations and their
capabilities, volunteers, projects."""

from __future__ import annotations

import pandas as pd
from flask.views import MethodView
from marshmallow import fields

from ..organization.contacts import contacts_for
from ..organization.data import one_row, rows, rows_in
from ..organization.profile import ProfileError
from ..organization.volunteers import VolunteerError
from ..scope import api_county, county_allows, projects_in_scope, villages_in_scope
from ..services.profile import update_profile
from ..services.volunteers import add_volunteer, delete_volunteer
from .auth import current_api_user, token_required
from .common import blp, own_org_or_403, paged, scope_org
from .errors import ApiError
from .schemas import (
    CapabilityArgs,
    NeedArgs,
    OrganizationArgs,
    OrganizationPatch,
    ProjectArgs,
    VillageArgs,
    VolunteerArgs,
    VolunteerInput,
    page_schema,
    record_schema,
    records,
)

__all__ = ["organization_detail", "project_ids_of", "village_in_scope_or_404"]

Village = record_schema("villages")
Need = record_schema("needs")
Capability = record_schema("capabilities")
Project = record_schema("projects")
_CONTACT = {
    "contact_name": fields.String(allow_none=True, metadata={"description": "kept by the site"}),
    "phone": fields.String(allow_none=True),
}
Organization = record_schema("organizations", dict(_CONTACT))
OrganizationDetail = record_schema(
    "organizations",
    {
        **_CONTACT,
        "capabilities": fields.List(fields.Nested(Capability)),
        "assigned": fields.Integer(metadata={"description": "villages it supports now"}),
    },
    name="OrganizationDetail",
)
Volunteer = record_schema(
    "volunteers", {"skills": fields.List(fields.String(), metadata={"description": "services"})}
)
VillageDetail = record_schema(
    "villages", {"needs": fields.List(fields.Nested(Need))}, name="VillageDetail"
)


def _filtered(table: str, **where) -> pd.DataFrame:
    return rows(table, **{k: v for k, v in where.items() if v is not None})


@blp.route("/villages")
class Villages(MethodView):
    @token_required(blp)
    @blp.arguments(VillageArgs, location="query")
    @blp.response(200, page_schema(Village, "VillagePage"))
    def get(self, args):
        """Poor villages (贫困村), by id."""
        county = api_county(args.get("county"))  # a county officer: its county (scope.py)
        frame = _filtered("villages", county=county).sort_values("village_id")
        return paged(frame, args)


@blp.route("/villages/<village_id>")
class VillageById(MethodView):
    @token_required(blp)
    @blp.response(200, VillageDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, village_id):
        """One village with its needs."""
        village = one_row("villages", village_id=village_id)
        if village is None or not county_allows(village["county"]):  # unknown or out of scope
            raise ApiError(404, f"village {village_id} does not exist")
        village["needs"] = records(rows("needs", village_id=village_id))
        return village


@blp.route("/needs")
class Needs(MethodView):
    @token_required(blp)
    @blp.arguments(NeedArgs, location="query")
    @blp.response(200, page_schema(Need, "NeedPage"))
    def get(self, args):
        """Needs of villages (service and severity 1–5)."""
        frame = _filtered("needs", village_id=args.get("village_id"), service=args.get("service"))
        county = api_county(None)
        if county is not None:  # a county officer: the needs of its county's villages
            frame = frame[frame["village_id"].isin(rows("villages", county=county)["village_id"])]
        return paged(frame.sort_values(["village_id", "service"]), args)


def _with_contacts(frame: pd.DataFrame) -> list[dict]:
    out = records(frame)
    contacts = contacts_for([r["org_id"] for r in out])
    for r in out:
        c = contacts[r["org_id"]]
        r["contact_name"], r["phone"] = c.contact_name or None, c.phone or None
    return out


def organization_detail(org_id: str) -> dict:
    frame = rows("organizations", org_id=org_id)
    if frame.empty:
        raise ApiError(404, f"organization {org_id} does not exist")
    (org,) = _with_contacts(frame)
    org["capabilities"] = records(rows("capabilities", org_id=org_id).sort_values("service"))
    org["assigned"] = len(rows("partnerships", org_id=org_id))
    return org


@blp.route("/organizations")
class Organizations(MethodView):
    @token_required(blp)
    @blp.arguments(OrganizationArgs, location="query")
    @blp.response(200, page_schema(Organization, "OrganizationPage"))
    def get(self, args):
        """Social organizations (an organization token sees only its own)."""
        org_id = scope_org(None)
        frame = _filtered(
            "organizations", org_id=org_id, county=args.get("county"), kind=args.get("kind")
        )
        return paged(frame.sort_values("org_id"), args, convert=_with_contacts)


@blp.route("/organizations/<org_id>")
class OrganizationById(MethodView):
    @token_required(blp)
    @blp.response(200, OrganizationDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, org_id):
        """One organization with its capabilities, contact and current partnerships count."""
        own_org_or_403(org_id)
        return organization_detail(org_id)

    @token_required(blp, "organization", "officer", "admin")
    @blp.arguments(OrganizationPatch)
    @blp.response(200, OrganizationDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, patch, org_id):
        """Keep the profile true: capacity, head count, contact, service levels (audited).

        ``max_villages`` below the villages the organization already supports is a 409.
        """
        own_org_or_403(org_id)
        current = organization_detail(org_id)
        if "max_villages" in patch and patch["max_villages"] < current["assigned"]:
            raise ApiError(
                409,
                f"organization {org_id} supports {current['assigned']} villages now; "
                f"max_villages cannot be below that",
                {"max_villages": current["assigned"]},
            )
        levels = {c["service"]: c["level"] for c in current["capabilities"]}
        if "capabilities" in patch:
            levels = {c["service"]: c["level"] for c in patch["capabilities"]}
        volunteers = patch.get("volunteers", current["volunteers"])
        form = {
            "max_villages": str(patch.get("max_villages", current["max_villages"])),
            "volunteers": "" if volunteers is None else str(volunteers),
            "contact_name": patch.get("contact_name", current["contact_name"] or ""),
            "phone": patch.get("phone", current["phone"] or ""),
            **{f"level_{s}": str(v) for s, v in levels.items()},
        }
        try:
            update_profile(org_id, form, current_api_user().actor)
        except ProfileError as exc:
            raise ApiError(422, "the organization was not changed", exc.errors) from None
        return organization_detail(org_id)


@blp.route("/capabilities")
class Capabilities(MethodView):
    @token_required(blp)
    @blp.arguments(CapabilityArgs, location="query")
    @blp.response(200, page_schema(Capability, "CapabilityPage"))
    def get(self, args):
        """What organizations can do (service and level 1–5)."""
        org_id = scope_org(args.get("org_id"))
        frame = _filtered("capabilities", org_id=org_id, service=args.get("service"))
        return paged(frame.sort_values(["org_id", "service"]), args)


def _with_skills(frame: pd.DataFrame) -> list[dict]:
    out = records(frame)
    skills = rows_in("volunteer_skills", "volunteer_id", [r["volunteer_id"] for r in out])
    by_id: dict[str, list[str]] = {}
    for vid, service in zip(skills["volunteer_id"], skills["service"], strict=True):
        by_id.setdefault(vid, []).append(service)
    for r in out:
        r["skills"] = sorted(by_id.get(r["volunteer_id"], []))
    return out


@blp.route("/volunteers")
class Volunteers(MethodView):
    @token_required(blp)
    @blp.arguments(VolunteerArgs, location="query")
    @blp.response(200, page_schema(Volunteer, "VolunteerPage"))
    def get(self, args):
        """Registered volunteers with their skills (an organization token: its own)."""
        org_id = scope_org(args.get("org_id"))
        frame = _filtered("volunteers", org_id=org_id).sort_values("volunteer_id")
        return paged(frame, args, convert=_with_skills)

    @token_required(blp, "organization", "officer", "admin")
    @blp.arguments(VolunteerInput)
    @blp.response(201, Volunteer)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, body):
        """Register one volunteer of an organization (audited)."""
        user = current_api_user()
        org_id = body.get("org_id") or (user.org_id if user.role == "organization" else None)
        if not org_id:
            raise ApiError(
                422, "org_id is required", {"org_id": ["Missing data for required field."]}
            )
        own_org_or_403(org_id)
        if one_row("organizations", org_id=org_id) is None:
            raise ApiError(404, f"organization {org_id} does not exist")
        form = {
            k: "" if body.get(k) is None else str(body[k])
            for k in ("name", "lat", "lon", "county", "hours_per_month")
        }
        try:
            vid = add_volunteer(org_id, form, body["skills"], user.actor)
        except VolunteerError as exc:
            raise ApiError(422, "the volunteer was not added", exc.errors) from None
        return _with_skills(rows("volunteers", volunteer_id=vid))[0]


@blp.route("/volunteers/<volunteer_id>")
class VolunteerById(MethodView):
    def _get(self, volunteer_id):
        frame = rows("volunteers", volunteer_id=volunteer_id)
        user = current_api_user()
        if frame.empty or (user.role == "organization" and frame["org_id"].iloc[0] != user.org_id):
            raise ApiError(404, f"volunteer {volunteer_id} does not exist")
        return frame

    @token_required(blp)
    @blp.response(200, Volunteer)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, volunteer_id):
        """One volunteer (an organization token: only its own)."""
        return _with_skills(self._get(volunteer_id))[0]

    @token_required(blp, "organization", "officer", "admin")
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, volunteer_id):
        """Remove a volunteer and its skills (audited)."""
        frame = self._get(volunteer_id)
        org_id = frame["org_id"].iloc[0]
        if not delete_volunteer(org_id, volunteer_id, current_api_user().actor):
            raise ApiError(404, f"volunteer {volunteer_id} does not exist")


def village_in_scope_or_404(village_id: str | None) -> None:
    """A list asked about one village of another county than the officer's answers 404, as
    the village itself does."""
    in_scope = villages_in_scope()
    if village_id and in_scope is not None and village_id not in in_scope:
        raise ApiError(404, f"village {village_id} does not exist")


def project_ids_of(org_id: str) -> list[str]:
    """Projects an organization leads or takes part in."""
    led = rows("projects", lead_org_id=org_id)["project_id"]
    joined = rows("project_orgs", org_id=org_id)["project_id"]
    return sorted(set(led) | set(joined))


@blp.route("/projects")
class Projects(MethodView):
    @token_required(blp)
    @blp.arguments(ProjectArgs, location="query")
    @blp.response(200, page_schema(Project, "ProjectPage"))
    def get(self, args):
        """Past and running projects (an organization token: those it took part in)."""
        org_id = scope_org(args.get("org_id"))
        if org_id:
            frame = rows_in("projects", "project_id", project_ids_of(org_id))
        else:
            frame = rows("projects")
        in_scope = projects_in_scope()  # a county officer: its county's projects (scope.py)
        if in_scope is not None:
            village_in_scope_or_404(args.get("village_id"))
            frame = frame[frame["project_id"].isin(in_scope)]
        if args.get("village_id"):
            frame = frame[frame["village_id"] == args["village_id"]]
        if args.get("service"):
            frame = frame[frame["service"] == args["service"]]
        if "finished" in args:
            today = pd.Timestamp.today().strftime("%Y-%m-%d")
            ended = frame["end_date"].notna() & (frame["end_date"].fillna("9999") <= today)
            frame = frame[ended if args["finished"] else ~ended]
        return paged(frame.sort_values("project_id"), args)


@blp.route("/projects/<project_id>")
class ProjectById(MethodView):
    @token_required(blp)
    @blp.response(200, Project)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, project_id):
        """One project."""
        project = one_row("projects", project_id=project_id)
        user = current_api_user()
        in_scope = projects_in_scope()
        if (
            project is None
            or (user.role == "organization" and project_id not in project_ids_of(user.org_id or ""))
            or (in_scope is not None and project_id not in in_scope)  # another county's
        ):
            raise ApiError(404, f"project {project_id} does not exist")
        return project
