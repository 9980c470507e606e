"""API resources for the work done on the records: reviews, partnerships (抱团帮扶关系),
recommendations of the matcher, the 疑点清单, and the token's own account."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, fields

from graph_schema import CapacityError, ConflictError, NotFoundError
from graph_schema.store import GroupMember

from ..db import get_db
from ..extensions import get_store
from ..integrity.marks import mark_checked, reopen
from ..integrity.service import Listed, find_item, listed_items
from ..organization.data import rows, rows_in
from ..review.rubric import ReviewError, rubric_of, save_review
from .auth import STAFF, current_api_user, token_required
from .common import blp, paged, scope_org
from .errors import ApiError
from .schemas import (
    IntegrityArgs,
    MarkInput,
    PartnershipArgs,
    PartnershipInput,
    RecommendationArgs,
    ReviewArgs,
    ReviewInput,
    RubricSchema,
    RunInput,
    page_schema,
    record_schema,
    records,
)
from .world import project_ids_of

__all__: list[str] = []

Review = record_schema(
    "reviews", {"rubric": fields.Nested(RubricSchema, allow_none=True)}, name="Review"
)
Partnership = record_schema("partnerships")
Group = record_schema(
    "partnerships",
    {"members": fields.List(fields.Nested(Partnership))},
    name="Group",
)

RecommendedOrganization = {
    "org_id": fields.String(required=True),
    "role": fields.String(required=True, metadata={"enum": ["lead", "member"]}),
    "covers": fields.List(fields.String()),
    "levels": fields.Dict(keys=fields.String(), values=fields.Integer()),
    "distance_km": fields.Float(allow_none=True),
    "explanation": fields.String(allow_none=True),
    "facts": fields.Dict(),
}


def _schema(name: str, spec: dict) -> type[Schema]:
    return Schema.from_dict(spec, name=name)


RecOrg = _schema("RecommendedOrganization", RecommendedOrganization)
Recommendation = _schema(
    "Recommendation",
    {
        "village_id": fields.String(required=True),
        "organizations": fields.List(fields.Nested(RecOrg)),
        "volunteers": fields.List(fields.String()),
        "score": fields.Float(allow_none=True),
        "uncovered": fields.List(fields.String()),
        "explanation": fields.String(allow_none=True),
        "explanation_en": fields.String(allow_none=True),
        "decision": fields.Dict(
            allow_none=True, metadata={"description": "the officer's decision"}
        ),
    },
)
RunStatus = _schema(
    "MatcherRun",
    {
        "id": fields.Integer(),
        "status": fields.String(metadata={"enum": ["running", "done", "failed", "interrupted"]}),
        "stage": fields.String(allow_none=True),
        "done": fields.Integer(),
        "total": fields.Integer(),
        "percent": fields.Integer(),
        "error": fields.String(allow_none=True),
        "summary": fields.Dict(),
    },
)
RecommendationPage = _schema(
    "RecommendationPage",
    {
        "run": fields.Nested(RunStatus),
        "summary": fields.Dict(),
        "items": fields.List(fields.Nested(Recommendation)),
        "total": fields.Integer(),
        "limit": fields.Integer(),
        "offset": fields.Integer(),
    },
)
IntegrityItem = _schema(
    "IntegrityItem",
    {
        "key": fields.String(required=True),
        "rule": fields.String(required=True),
        "subject": fields.String(),
        "reason": fields.String(),
        "params": fields.Dict(),
        "checked": fields.Boolean(),
        "checked_by": fields.String(allow_none=True),
        "checked_at": fields.String(allow_none=True),
        "note": fields.String(allow_none=True),
    },
)
Account = _schema(
    "Account",
    {
        "username": fields.String(),
        "role": fields.String(),
        "org_id": fields.String(allow_none=True),
        "display_name": fields.String(allow_none=True),
    },
)


# -- reviews ------------------------------------------------------------------------------------
def _with_rubric(frame) -> list[dict]:
    out = records(frame)
    cache: dict[str, dict] = {}
    for r in out:
        if r["project_id"] not in cache:
            cache[r["project_id"]] = rubric_of(r["project_id"])
        r["rubric"] = cache[r["project_id"]].get((r["reviewed_on"], r["reviewer"]))
    return out


@blp.route("/reviews")
class Reviews(MethodView):
    @token_required(blp)
    @blp.arguments(ReviewArgs, location="query")
    @blp.response(200, page_schema(Review, "ReviewPage"))
    def get(self, args):
        """Reviews of projects (an organization token: of its own projects)."""
        org_id = scope_org(args.get("org_id"))
        if org_id:
            frame = rows_in("reviews", "project_id", project_ids_of(org_id))
            if args.get("project_id"):
                frame = frame[frame["project_id"] == args["project_id"]]
        elif args.get("project_id"):
            frame = rows("reviews", project_id=args["project_id"])
        else:
            frame = rows("reviews")
        frame = frame.sort_values(["project_id", "reviewed_on", "reviewer"], na_position="first")
        return paged(frame, args, convert=_with_rubric)

    @token_required(blp, "reviewer", "admin")
    @blp.arguments(ReviewInput)
    @blp.response(201, Review)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body):
        """Score a finished project with the roadshow rubric (five parts, 0–20 each).

        The total (0–100) goes to the store's ``reviews`` with the token's account as reviewer,
        so the next matcher run learns from it. A second review by the same account on the same
        day replaces the first.
        """
        user = current_api_user()
        try:
            review = save_review(
                body["project_id"], body["rubric"], body["comment"], user.username, user.actor
            )
        except ReviewError as exc:
            raise ApiError(exc.status, "the review was not saved", exc.errors) from None
        return review.as_dict()


# -- partnerships -------------------------------------------------------------------------------
@blp.route("/partnerships")
class Partnerships(MethodView):
    @token_required(blp)
    @blp.arguments(PartnershipArgs, location="query")
    @blp.response(200, page_schema(Partnership, "PartnershipPage"))
    def get(self, args):
        """Groups in force (an organization token: every member of the groups it belongs to)."""
        user = current_api_user()
        if user.role == "organization":
            if args.get("org_id") and args["org_id"] != user.org_id:
                scope_org(args["org_id"])  # 403
            villages = rows("partnerships", org_id=user.org_id)["village_id"]
            frame = rows_in("partnerships", "village_id", villages)
        else:
            where = {k: args[k] for k in ("village_id", "org_id") if args.get(k)}
            frame = rows("partnerships", **where)
        if args.get("village_id"):
            frame = frame[frame["village_id"] == args["village_id"]]
        return paged(frame.sort_values(["village_id", "org_id"]), args)

    @token_required(blp, "officer", "admin")
    @blp.arguments(PartnershipInput)
    @blp.response(201, Group)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body):
        """Approve a group for a village (audited): it becomes the partnership in force.

        404 for an unknown village or organization; 409 when the village already has a group or
        an organization would exceed its ``max_villages`` (nothing is written then).
        """
        members = [GroupMember(m["org_id"], m["role"]) for m in body["members"]]
        since = body["since"].isoformat() if body.get("since") else None
        try:
            get_store().approve_group(
                body["village_id"], members, current_api_user().actor, since=since
            )
        except NotFoundError as exc:
            raise ApiError(404, str(exc)) from None
        except CapacityError as exc:
            raise ApiError(409, str(exc), {"reason": "capacity"}) from None
        except ConflictError as exc:
            raise ApiError(409, str(exc), {"reason": "conflict"}) from None
        frame = rows("partnerships", village_id=body["village_id"])
        return {"village_id": body["village_id"], "members": records(frame)}


# -- recommendations ----------------------------------------------------------------------------
def _contract(rec: dict, decision: dict | None) -> dict:
    """A stored recommendation (``to_dict``) in the shape of the batch interface."""
    return {
        "village_id": rec["village_id"],
        "organizations": [
            {
                k: m.get(k)
                for k in (
                    "org_id",
                    "role",
                    "covers",
                    "levels",
                    "distance_km",
                    "explanation",
                    "facts",
                )
            }
            for m in rec.get("members", rec.get("organizations", []))
        ],
        "volunteers": rec.get("volunteers", []),
        "score": rec.get("score"),
        "uncovered": rec.get("uncovered", []),
        "explanation": rec.get("explanation"),
        "explanation_en": rec.get("explanation_en"),
        "decision": decision,
    }


@blp.route("/recommendations")
class Recommendations(MethodView):
    @token_required(blp, "officer", "admin")
    @blp.arguments(RecommendationArgs, location="query")
    @blp.response(200, RecommendationPage)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """The latest finished matcher run: a recommended group for each village, explained."""
        from ..officer.runs import decisions_of, get_run

        row = (
            get_db()
            .execute("SELECT id FROM matcher_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1")
            .fetchone()
        )
        if row is None:
            raise ApiError(404, "no matcher run has finished yet: POST /api/v1/recommendations")
        run = get_run(int(row[0]))
        decisions = decisions_of(run.id)
        recs = [run.recommendations[v] for v in sorted(run.recommendations)]
        if args.get("village_id"):
            recs = [r for r in recs if r["village_id"] == args["village_id"]]
        page = paged(
            recs,
            args,
            convert=lambda part: [_contract(r, decisions.get(r["village_id"])) for r in part],
        )
        return {"run": run.status_json(), "summary": run.summary, **page}

    @token_required(blp, "officer", "admin")
    @blp.arguments(RunInput)
    @blp.response(202, RunStatus)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body):
        """Start a matcher run over the stored world; poll ``/recommendations/runs/{id}``."""
        from ..officer.runs import RunError, get_run, start_run

        try:
            run_id = start_run(current_api_user().actor, body["max_group"], body["seed"])
        except RunError as exc:
            raise ApiError(409, str(exc)) from None
        status = get_run(run_id, with_result=False).status_json()
        return status, 202, {"Location": url_for("api.RecommendationRun", run_id=run_id)}


@blp.route("/recommendations/runs/<int:run_id>")
class RecommendationRun(MethodView):
    @token_required(blp, "officer", "admin")
    @blp.response(200, RunStatus)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, run_id):
        """Progress of a matcher run (``status`` becomes ``done`` or ``failed``)."""
        from ..officer.runs import RunError, get_run

        try:
            return get_run(run_id, with_result=False).status_json()
        except RunError:
            raise ApiError(404, f"matcher run {run_id} does not exist") from None


# -- 疑点清单 -------------------------------------------------------------------------------------
@blp.route("/integrity")
class Integrity(MethodView):
    @token_required(blp, *STAFF)
    @blp.arguments(IntegrityArgs, location="query")
    @blp.response(200, page_schema(IntegrityItem, "IntegrityPage"))
    def get(self, args):
        """Records that look wrong, each with its reason and whether someone checked it."""
        items = listed_items(args.get("rule", ""), args["status"])
        return paged(items, args, convert=lambda part: [li.as_dict() for li in part])


@blp.route("/integrity/marks")
class IntegrityMarks(MethodView):
    @token_required(blp, *STAFF)
    @blp.arguments(MarkInput)
    @blp.response(200, IntegrityItem)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, body):
        """Mark an item as checked, with a note (``checked: false`` reopens it); audited."""
        item = find_item(body["key"])
        if item is None:
            raise ApiError(404, "no such item in the current list")
        actor = current_api_user().actor
        if body["checked"]:
            mark = mark_checked(get_db(), get_store(), item.key, actor, body["note"])
        else:
            reopen(get_db(), get_store(), item.key, actor)
            mark = None
        return Listed(item, mark).as_dict()


@blp.route("/me")
class Me(MethodView):
    @token_required(blp)
    @blp.response(200, Account)
    def get(self):
        """The account the token belongs to."""
        user = current_api_user()
        return {
            "username": user.username,
            "role": user.role,
            "org_id": user.org_id,
            "display_name": user.display_name,
        }
