"""Marshmallow schemas of the API. The record schemas are generated from the data contract
(:data:`graph_schema.TABLES`), so the API, the importer and the stores describe a column once."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
from marshmallow import Schema, ValidationError, fields, validate

from graph_schema import SERVICES, TABLES
from graph_schema.contract.vocabulary import PARTNERSHIP_ROLES
from graph_schema.rules import MAX_GROUP, MAX_GROUP_RANGE, max_group_problem

from ..integrity import RULE_LABELS_ZH
from ..review.rubric import PART_MAX, RUBRIC

__all__ = [
    "record_schema",
    "page_schema",
    "records",
    "PageArgs",
    "Text",
]

MAX_LIMIT = 500


def _printable(value: str) -> None:
    """Refuse text a database or a person cannot use: lone surrogates and control characters."""
    for ch in value:
        cat = unicodedata.category(ch)
        if cat == "Cs" or (cat == "Cc" and ch not in "\t\n\r"):
            raise ValidationError("contains characters that are not printable text")


class Text(fields.String):
    """A string of printable text."""

    def __init__(self, *args: Any, **kwargs: Any):
        given = kwargs.pop("validate", None)
        validators = list(given) if isinstance(given, list | tuple) else [given] if given else []
        super().__init__(*args, validate=[_printable, *validators], **kwargs)


def _field(kind: str, required: bool, codes: tuple[str, ...], name: str) -> fields.Field:
    kw: dict[str, Any] = {"allow_none": not required, "required": required}
    if kind == "int":
        return fields.Integer(**kw)
    if kind == "float":
        return fields.Float(**kw)
    if kind == "bool":
        return fields.Boolean(**kw)
    if kind == "date":
        return fields.String(metadata={"format": "date", "description": "ISO date"}, **kw)
    if kind == "code":
        return fields.String(metadata={"enum": list(codes)}, **kw)
    return fields.String(**kw)


_CAMEL = {
    "villages": "Village",
    "needs": "Need",
    "organizations": "Organization",
    "capabilities": "Capability",
    "volunteers": "Volunteer",
    "volunteer_skills": "VolunteerSkill",
    "projects": "Project",
    "project_orgs": "ProjectOrg",
    "reviews": "Review",
    "partnerships": "Partnership",
}


def record_schema(
    table: str, extra: dict[str, fields.Field] | None = None, name: str | None = None
) -> type[Schema]:
    """A response schema with the columns of ``table`` (plus ``extra`` fields)."""
    spec = TABLES[table]
    generated = {c.name: _field(c.kind, c.required, c.codes, c.name) for c in spec.columns}
    generated.update(extra or {})
    return Schema.from_dict(generated, name=name or _CAMEL[table])


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """``{"items": [...], "total", "limit", "offset"}`` of ``item``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "total": fields.Integer(required=True, metadata={"description": "matching records"}),
            "limit": fields.Integer(required=True),
            "offset": fields.Integer(required=True),
        },
        name=name,
    )


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts of JSON-ready Python values (NaN and NA become null)."""
    cols = list(frame.columns)
    return [
        {c: _plain(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


# -- request schemas ----------------------------------------------------------------------------
class PageArgs(Schema):
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(1, MAX_LIMIT),
        metadata={"description": "page size"},
    )
    offset = fields.Integer(
        load_default=0, validate=validate.Range(0, 10**9), metadata={"description": "rows to skip"}
    )


_ID = {"validate": validate.Length(1, 64)}


class VillageArgs(PageArgs):
    county = Text(validate=validate.Length(max=50))


class NeedArgs(PageArgs):
    village_id = Text(**_ID)
    service = fields.String(validate=validate.OneOf(SERVICES))


class OrganizationArgs(PageArgs):
    county = Text(validate=validate.Length(max=50))
    kind = fields.String(validate=validate.OneOf(("social_group", "service_agency", "foundation")))


class CapabilityArgs(PageArgs):
    org_id = Text(**_ID)
    service = fields.String(validate=validate.OneOf(SERVICES))


class VolunteerArgs(PageArgs):
    org_id = Text(**_ID)


class ProjectArgs(PageArgs):
    org_id = Text(metadata={"description": "lead or partner organization"}, **_ID)
    village_id = Text(**_ID)
    service = fields.String(validate=validate.OneOf(SERVICES))
    finished = fields.Boolean(metadata={"description": "only projects that have ended"})


class ReviewArgs(PageArgs):
    project_id = Text(**_ID)
    org_id = Text(metadata={"description": "reviews of this organization's projects"}, **_ID)


class PartnershipArgs(PageArgs):
    village_id = Text(**_ID)
    org_id = Text(**_ID)


class RecommendationArgs(PageArgs):
    village_id = Text(**_ID)


class IntegrityArgs(PageArgs):
    rule = fields.String(validate=validate.OneOf(tuple(RULE_LABELS_ZH)))
    status = fields.String(load_default="open", validate=validate.OneOf(("open", "checked", "all")))


class CapabilityInput(Schema):
    service = fields.String(required=True, validate=validate.OneOf(SERVICES))
    level = fields.Integer(required=True, validate=validate.Range(1, 5))


class OrganizationPatch(Schema):
    """The fields an organization keeps true; any subset may be sent."""

    max_villages = fields.Integer(validate=validate.Range(0, 10_000))
    volunteers = fields.Integer(allow_none=True, validate=validate.Range(0, 10_000_000))
    contact_name = Text(validate=validate.Length(max=50))
    phone = Text(validate=validate.Length(max=30))
    capabilities = fields.List(
        fields.Nested(CapabilityInput),
        validate=validate.Length(1, len(SERVICES)),
        metadata={"description": "replaces every service level of the organization"},
    )


class VolunteerInput(Schema):
    name = Text(required=True, validate=validate.Length(1, 50))
    org_id = Text(metadata={"description": "defaults to the token's organization"}, **_ID)
    lat = fields.Float(
        validate=validate.Range(-90, 90), metadata={"description": "default: the organization's"}
    )
    lon = fields.Float(validate=validate.Range(-180, 180))
    county = Text(validate=validate.Length(max=50))
    hours_per_month = fields.Float(allow_none=True, validate=validate.Range(0, 744))
    skills = fields.List(fields.String(validate=validate.OneOf(SERVICES)), load_default=list)


RubricSchema = Schema.from_dict(
    {
        name: fields.Float(
            required=True,
            validate=validate.Range(0, PART_MAX),
            metadata={"description": f"{label} (0–{PART_MAX}, steps of 0.5): {hint}"},
        )
        for name, label, hint in RUBRIC
    },
    name="Rubric",
)


class ReviewInput(Schema):
    project_id = Text(required=True, **_ID)
    rubric = fields.Nested(RubricSchema, required=True)
    comment = Text(load_default="", validate=validate.Length(max=2000))


class MemberInput(Schema):
    org_id = Text(required=True, **_ID)
    role = fields.String(load_default="member", validate=validate.OneOf(PARTNERSHIP_ROLES))


class PartnershipInput(Schema):
    village_id = Text(required=True, **_ID)
    # The group rules (size, one lead, no duplicates...) are graph_schema.rules, checked by the
    # approval itself so that every door refuses the same groups; the schema reads types only.
    members = fields.List(
        fields.Nested(MemberInput),
        required=True,
        metadata={"description": f"at most {MAX_GROUP}; the first leads when none is named"},
    )
    since = fields.Date(metadata={"description": "default: today"})


def _max_group_in_range(value: int) -> None:
    problem = max_group_problem(value)  # the rule's own words, as at the other doors
    if problem is not None:
        raise ValidationError(problem.what)


class RunInput(Schema):
    max_group = fields.Integer(
        load_default=MAX_GROUP,
        validate=_max_group_in_range,
        metadata={"description": f"{MAX_GROUP_RANGE[0]} to {MAX_GROUP_RANGE[-1]}"},
    )
    seed = fields.Integer(load_default=0, validate=validate.Range(0, 2**31 - 1))


class MarkInput(Schema):
    key = Text(required=True, validate=validate.Length(1, 500))
    note = Text(load_default="", validate=validate.Length(max=2000))
    checked = fields.Boolean(load_default=True, metadata={"description": "false reopens the item"})
