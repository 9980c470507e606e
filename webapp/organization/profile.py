"""An organization's profile, the villages it supports with their groups, and its track record.

Changing the profile is :func:`webapp.services.profile.update_profile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .contacts import (
    Contact,
    contacts_for,
    get_contact,
)
from .data import one_row, rows, rows_in
from .forms import FormError

__all__ = [
    "ProfileError",
    "Profile",
    "load_profile",
    "assigned_villages",
    "track_record",
]


class ProfileError(FormError):
    """A profile change was refused."""


@dataclass
class Profile:
    """What the organization's home page shows and edits."""

    org: dict[str, Any]
    levels: dict[str, int]
    contact: Contact
    assigned: int
    registered_volunteers: int
    extra: dict[str, Any] = field(default_factory=dict)


def load_profile(org_id: str) -> Profile | None:
    """The organization with its service levels, contact and counts (None if it is not stored)."""
    org = one_row("organizations", org_id=org_id)
    if org is None:
        return None
    caps = rows("capabilities", org_id=org_id)
    levels = {str(s): int(v) for s, v in zip(caps["service"], caps["level"], strict=True)}
    return Profile(
        org,
        levels,
        get_contact(org_id),
        len(rows("partnerships", org_id=org_id)),
        len(rows("volunteers", org_id=org_id)),
    )


def assigned_villages(org_id: str) -> list[dict[str, Any]]:
    """Each village the organization supports, its needs, and every partner of its group."""
    mine = rows("partnerships", org_id=org_id)
    village_ids = sorted(set(mine["village_id"]))
    villages = rows_in("villages", "village_id", village_ids).set_index("village_id")
    needs = rows_in("needs", "village_id", village_ids)
    groups = rows_in("partnerships", "village_id", village_ids)
    partner_ids = sorted(set(groups["org_id"]))
    orgs = rows_in("organizations", "org_id", partner_ids).set_index("org_id")
    caps = rows_in("capabilities", "org_id", partner_ids)
    contacts = contacts_for(partner_ids)
    out = []
    for village_id in village_ids:
        if village_id not in villages.index:
            continue
        own = mine[mine["village_id"] == village_id].iloc[0]
        members = sorted(
            groups[groups["village_id"] == village_id].itertuples(index=False),
            key=lambda m: (m.role != "lead", m.org_id),
        )
        partners = []
        for m in members:
            org = orgs.loc[m.org_id] if m.org_id in orgs.index else None
            partners.append(
                {
                    "org_id": m.org_id,
                    "name": None if org is None else org["name"],
                    "county": None if org is None else org["county"],
                    "role": m.role,
                    "is_me": m.org_id == org_id,
                    "contact": contacts[m.org_id],
                    "services": sorted(caps.loc[caps["org_id"] == m.org_id, "service"]),
                }
            )
        v = villages.loc[village_id]
        village_needs = needs[needs["village_id"] == village_id].sort_values(
            "severity", ascending=False
        )
        out.append(
            {
                "village_id": village_id,
                "name": v["name"],
                "county": v["county"],
                "town": v["town"],
                "population": None if pd.isna(v["population"]) else int(v["population"]),
                "poor_households": None
                if pd.isna(v["poor_households"])
                else int(v["poor_households"]),
                "role": own["role"],
                "since": own["since"],
                "needs": [
                    (n.service, None if pd.isna(n.severity) else int(n.severity))
                    for n in village_needs.itertuples(index=False)
                ],
                "partners": partners,
            }
        )
    return out


def track_record(org_id: str) -> dict[str, Any]:
    """The organization's projects (lead or partner) with their review scores and the mean."""
    roles = rows("project_orgs", org_id=org_id)
    led = rows("projects", lead_org_id=org_id)
    role_of = {
        str(p): (r or "partner") for p, r in zip(roles["project_id"], roles["role"], strict=True)
    }
    for p in led["project_id"]:
        role_of[str(p)] = "lead"
    projects = rows_in("projects", "project_id", sorted(role_of))
    reviews = rows_in("reviews", "project_id", sorted(role_of))
    villages = rows_in("villages", "village_id", projects["village_id"].dropna())
    village_names = dict(zip(villages["village_id"], villages["name"], strict=True))
    items = []
    for p in projects.sort_values(
        ["end_date", "project_id"], ascending=False, na_position="last"
    ).itertuples(index=False):
        mine = reviews[reviews["project_id"] == p.project_id].sort_values("reviewed_on")
        scores = [float(s) for s in mine["score"]]
        items.append(
            {
                "project_id": p.project_id,
                "name": p.name,
                "service": p.service,
                "village_id": p.village_id,
                "village": village_names.get(p.village_id),
                "start_date": p.start_date,
                "end_date": p.end_date,
                "role": role_of.get(p.project_id, "partner"),
                "reviews": [
                    {
                        "score": float(r.score),
                        "reviewed_on": r.reviewed_on,
                        "reviewer": r.reviewer,
                        "comment": r.comment,
                    }
                    for r in mine.itertuples(index=False)
                ],
                "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
            }
        )
    all_scores = reviews["score"].dropna()
    return {
        "org_id": org_id,
        "projects": items,
        "reviewed_projects": sum(1 for i in items if i["reviews"]),
        "reviews": int(len(all_scores)),
        "mean_score": round(float(all_scores.mean()), 1) if len(all_scores) else None,
    }
