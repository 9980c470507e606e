"""API resources for the work done on the records: reviews, partnerships (抱团帮扶关系) and the
token's own account."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from graph_schema.rules import GroupMember, GroupRefused

from ..extensions import get_store
from ..organization.data import rows, rows_in
from ..review.rubric import ReviewError, rubric_of
from ..scope import county_allows, projects_in_scope, village_county, villages_in_scope
from ..services.group_messages import problem_details
from ..services.groups import approve_group
from ..services.reviews import save_review
from .auth import current_api_user, token_required
from .common import blp, paged, scope_org
from .errors import ApiError
from .schemas import (
    PartnershipArgs,
    PartnershipInput,
    ReviewArgs,
    ReviewInput,
    RubricSchema,
    page_schema,
    record_schema,
    records,
)
from .world import project_ids_of, village_in_scope_or_404

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

Account = Schema.from_dict(
    {
        "username": fields.String(),
        "role": fields.String(),
        "org_id": fields.String(allow_none=True),
        "display_name": fields.String(allow_none=True),
    },
    name="Account",
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
        in_scope = projects_in_scope()  # a county officer: reviews of its county's projects
        if in_scope is not None:
            if args.get("project_id") and args["project_id"] not in in_scope:
                raise ApiError(404, f"project {args['project_id']} does not exist")
            frame = frame[frame["project_id"].isin(in_scope)]
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
            in_scope = villages_in_scope()  # a county officer: the groups of its county
            if in_scope is not None:
                village_in_scope_or_404(args.get("village_id"))
                frame = frame[frame["village_id"].isin(in_scope)]
        if args.get("village_id"):
            frame = frame[frame["village_id"] == args["village_id"]]
        return paged(frame.sort_values(["village_id", "org_id"]), args)

    @token_required(blp, "officer", "admin")
    @blp.arguments(PartnershipInput)
    @blp.response(201, Group)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, body):
        """Approve a group for a village (audited): it becomes the partnership in force.

        The group rules are those of the officer's page (``docs/rules.md``); the first member
        leads when none is named. A refusal lists every broken rule in ``details.problems``
        (``code``, ``where``, ``what``, ``message``) and writes nothing: 422 for a group that
        breaks a rule of its own (size, lead, duplicates, a member providing none of the
        village's needs), else 404 for an unknown village or organization, else 409 when the
        village already has a group (``reason: conflict``) or a member has no capacity left
        (``reason: capacity``).
        """
        county = village_county(body["village_id"])
        if county is not None and not county_allows(county):
            raise ApiError(403, f"village {body['village_id']} is outside this officer's county")
        members = [GroupMember(m["org_id"], m["role"]) for m in body["members"]]
        since = body["since"].isoformat() if body.get("since") else None
        try:
            approve_group(
                get_store(), body["village_id"], members, current_api_user().actor, since=since
            )
        except GroupRefused as refused:
            raise _refusal(refused) from None
        frame = rows("partnerships", village_id=body["village_id"])
        return {"village_id": body["village_id"], "members": records(frame)}


_NOT_FOUND = {"unknown_village", "unknown_organization"}
_REASONS = {"village_in_force": "conflict", "no_capacity": "capacity"}


def _refusal(refused: GroupRefused) -> ApiError:
    """The API's answer to a refused group: the first status class that applies, every problem."""
    codes = set(refused.codes)
    details: dict = {"problems": problem_details(refused.problems)}
    if codes - _NOT_FOUND - set(_REASONS):
        status = 422
    elif codes & _NOT_FOUND:
        status = 404
    else:
        status = 409
        details["reason"] = next(_REASONS[c] for c in refused.codes if c in _REASONS)
    return ApiError(
        status, "the group was refused: " + "; ".join(p.what for p in refused.problems), details
    )


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
