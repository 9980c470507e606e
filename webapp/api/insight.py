"""API resources for what the platform works out: the matcher's recommendations and the 疑点清单."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from marshmallow import Schema, fields
from sqlalchemy import select

from ..db import get_db
from ..extensions import get_store
from ..integrity.service import Listed, find_item, listed_items
from ..scope import run_in_scope, villages_in_scope
from ..services.integrity import mark_checked, reopen
from ..sitedb.models import MatcherRun
from .auth import STAFF, current_api_user, token_required
from .common import blp, paged
from .errors import ApiError
from .schemas import IntegrityArgs, MarkInput, RecommendationArgs, RunInput, page_schema
from .world import village_in_scope_or_404

__all__: list[str] = []

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
        "uncertainty": fields.Float(
            allow_none=True, metadata={"description": "± of the score (80 % of held-out errors)"}
        ),
        "check_by_hand": fields.Boolean(
            metadata={"description": "among the run's most uncertain groups"}
        ),
        "decision": fields.Dict(
            allow_none=True, metadata={"description": "the officer's decision"}
        ),
    },
)
Unserved = _schema(
    "UnservedVillage",
    {
        "village_id": fields.String(required=True),
        "reason": fields.String(
            required=True,
            metadata={"enum": ["no_provider_in_reach", "capacity_taken", "no_needs"]},
        ),
        "explanation": fields.String(),
        "explanation_en": fields.String(),
        "needs": fields.List(fields.String()),
        "providers": fields.List(fields.Dict()),
    },
)
RunStatus = _schema(
    "MatcherRun",
    {
        "id": fields.Integer(),
        "status": fields.String(
            metadata={"enum": ["running", "done", "failed", "interrupted", "cancelled"]}
        ),
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
        "unserved": fields.List(
            fields.Nested(Unserved), metadata={"description": "villages left out, and why"}
        ),
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


# -- recommendations ----------------------------------------------------------------------------
def _contract(rec, decision: dict | None) -> dict:
    """A run's recommendation (a ``matcher.Recommendation``) as the batch interface has it."""
    return {**rec.to_dict(), "decision": decision}


@blp.route("/recommendations")
class Recommendations(MethodView):
    @token_required(blp, "officer", "admin")
    @blp.arguments(RecommendationArgs, location="query")
    @blp.response(200, RecommendationPage)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """The latest finished matcher run: a recommended group for each village, explained."""
        from ..services.runs import decisions_of, get_run

        finished = get_db().scalars(
            select(MatcherRun.id).where(MatcherRun.status == "done").order_by(MatcherRun.id.desc())
        )
        # A county officer: the newest run that covers its county (city-wide or its own).
        newest_done = next((r for r in finished if run_in_scope(int(r))), None)
        if newest_done is None:
            raise ApiError(404, "no matcher run has finished yet: POST /api/v1/recommendations")
        village_in_scope_or_404(args.get("village_id"))
        in_scope = villages_in_scope()
        run = get_run(int(newest_done))
        decisions = decisions_of(run.id)
        recs = [run.recommendations[v] for v in sorted(run.recommendations)]
        if in_scope is not None:
            recs = [r for r in recs if r.village_id in in_scope]
        if args.get("village_id"):
            recs = [r for r in recs if r.village_id == args["village_id"]]
        page = paged(
            recs,
            args,
            convert=lambda part: [_contract(r, decisions.get(r.village_id)) for r in part],
        )
        unserved = [
            u.to_dict() for u in run.unserved if in_scope is None or u.village_id in in_scope
        ]
        return {"run": run.status_json(), "summary": run.summary, "unserved": unserved, **page}

    @token_required(blp, "officer", "admin")
    @blp.arguments(RunInput)
    @blp.response(202, RunStatus)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body):
        """Start a matcher run over the stored world; poll ``/recommendations/runs/{id}``."""
        from ..services.runs import RunError, get_run, start_run

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
        from ..services.runs import RunError, get_run

        try:
            run = get_run(run_id, with_result=False)
        except RunError:
            raise ApiError(404, f"matcher run {run_id} does not exist") from None
        if not run_in_scope(run_id):  # a run of another county's officer
            raise ApiError(404, f"matcher run {run_id} does not exist")
        return run.status_json()


@blp.route("/recommendations/runs/<int:run_id>/cancel")
class RecommendationRunCancel(MethodView):
    @token_required(blp, "officer", "admin")
    @blp.response(200, RunStatus)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, run_id):
        """Cancel a queued or running matcher run (as the officer's page does); 409 once ended."""
        from ..services.events import record_event
        from ..services.runs import RunError, cancel_run, get_run

        try:
            get_run(run_id, with_result=False)
        except RunError:
            raise ApiError(404, f"matcher run {run_id} does not exist") from None
        if not run_in_scope(run_id):  # a run of another county's officer
            raise ApiError(404, f"matcher run {run_id} does not exist")
        actor = current_api_user().actor
        try:
            cancel_run(run_id, actor)
        except RunError as exc:
            raise ApiError(409, str(exc)) from None
        record_event(get_store(), actor, "matcher_run_cancelled", f"run:{run_id}")
        return get_run(run_id, with_result=False).status_json()


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
