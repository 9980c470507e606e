"""Synthetic demo worlds: a city, a province or the nation, with a history the matcher can learn.

:func:`generate_world` draws everything from ``numpy.random.default_rng(seed)``, vectorised, so the
same seed gives the same world byte for byte, and the nation (20 million volunteers) takes minutes.

What is modelled
----------------
Places (:mod:`graph_schema.demo.places`): counties with a centre and a radius; poor villages are
weighted towards rural, poorer counties, organizations towards cities, so both are clustered by
county but not alike. Villages scatter around their county's centre, organizations closer to it.

Villages have a population, poor households and a latent hardship ``h`` (their poverty rate,
standardised); 2..5 needs, drawn without replacement with elder care, child care, medical help and
donations the most common; ``severity = round(2.5 + 0.9 h + N(0, 1))`` clipped to 1..5.

Organizations have a kind (社会团体 45 %, 社会服务机构 50 %, 基金会 5 %) and a **latent quality**
``q ~ N(0, 1)``. Larger and better ones are more often rated, and ``rating ≈ 3 + 0.9 q + N(0, 0.7)``
(1..5; 0 = unrated), so rating is correlated with, not equal to, quality. They offer 1..4 services,
drawn by kind (foundations fund education and donations, agencies run elder and child care...),
``level ≈ 2.4 + 0.7 q + N(0, 0.9)`` (+0.6 on the main service). Rare services (助残, 救急难, 产业帮扶,
留守妇女) are offered by few, so the capacity (``max_villages`` 1..5, larger with head count) covers
the common needs several times over but the rare ones only in part: urgency has to decide.

Volunteers: 70 % belong to an organization (in proportion to its head count) and live near it, with
skills mostly among its services; the others live anywhere, weighted like organizations.

History (:mod:`graph_schema.demo.history`): projects 2016..2020, led by one organization, with 0..3
partners who are its neighbours, or by a **team**: a few neighbouring organizations that work
together again and again. A project serves a village near its lead (8 % are county-wide) in one of
the lead's services. Its review score is

``score = clip(48 + 7 q_lead + 3 mean(q_partners) + 4 (level_lead - 3) + 1.5 mean(level_partners - 2.5)
- 6 log1p(km / 10) + (2 severity if the village needs the service else -6) + sum of pair synergies
+ size(n) + 0.8 (year - 2016) + N(0, 5), 0, 100)``

where ``size`` is 0, 3, 4, 2 for 1..4 organizations and a pair's synergy is hidden: for the two
members of one team it is the team's (70 % about +6, 20 % about 0, 10 % about -6); for any other
pair it is a hash of the pair, 90 % within ±1.5, 5 % +5..+10, 5 % -10..-5. A second review
(12 %) re-draws the noise. Projects still running in 2020 are mostly unreviewed.

Partnerships in force: about 5 % of villages have a group (a lead offering their most severe need
and up to two neighbours covering another need), never more than an organization's ``max_villages``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..contract.dataset import Dataset
from ..contract.vocabulary import ORG_KINDS, SERVICES
from . import actors
from .history import History, make_history
from .names import ids, join, person_names, village_names
from .places import geography

__all__ = ["generate_world", "SCALES", "Scale"]

Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Scale:
    """Row counts of a demo world."""

    villages: int
    organizations: int
    volunteers: int
    projects: int


SCALES: dict[str, Scale] = {
    "city": Scale(300, 2_000, 60_000, 4_000),
    "province": Scale(10_000, 60_000, 2_000_000, 120_000),
    "nation": Scale(128_000, 900_000, 20_000_000, 1_800_000),
}


def _frame(columns: dict) -> pd.DataFrame:
    """A DataFrame that keeps object arrays of str as Python objects (no copy into another dtype)."""
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object)
            if isinstance(v, np.ndarray) and v.dtype.kind == "O"
            else v
            for k, v in columns.items()
        },
        copy=False,  # no second copy of 20 million volunteers
    )


def generate_world(
    scale: str = "city",
    seed: int = 0,
    volunteers: int | None = None,
    progress: Progress | None = None,
) -> Dataset:
    """Make a synthetic world of villages, organizations, volunteers and their project history.

    Parameters
    ----------
    scale : {"city", "province", "nation"}
        ``city``: Tai'an's six counties, 300 villages, 2,000 organizations, 60,000 volunteers;
        ``province``: 10,000 villages, 60,000 organizations, 2,000,000 volunteers;
        ``nation``: 128,000 villages, 900,000 organizations, 20,000,000 volunteers.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same world.
    volunteers : int, optional
        Number of volunteers instead of the scale's.
    progress : callable, optional
        Called as ``progress(stage, rows)`` after each stage (a table or a step of the history).

    Returns
    -------
    Dataset
        All ten tables of the data contract. How review scores arise is in this module's docstring.

    Examples
    --------
    >>> world = generate_world("city", seed=1, volunteers=1000)
    >>> counts = world.counts()
    >>> counts["villages"], counts["organizations"], counts["volunteers"]
    (300, 2000, 1000)
    >>> sorted(world["villages"]["county"].unique())
    ['东平县', '宁阳县', '岱岳区', '新泰市', '泰山区', '肥城市']
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}: expected one of {', '.join(SCALES)}")
    size = SCALES[scale]
    n_volunteers = size.volunteers if volunteers is None else int(volunteers)
    if n_volunteers < 0:
        raise ValueError("volunteers must be ≥ 0")
    report = progress or (lambda stage, rows: None)
    rng = np.random.default_rng(seed)
    services = np.array(SERVICES, dtype=object)
    geo = geography(scale)
    report("map", len(geo.county))

    v = actors.villages(rng, geo, size.villages)
    village_id = ids("V", size.villages, 6)
    villages = _frame(
        {
            "village_id": village_id,
            "name": village_names(rng, size.villages),
            "county": geo.county[v["county"]],
            "town": geo.town[v["town"]],
            "lat": v["lat"],
            "lon": v["lon"],
            "population": v["population"],
            "poor_households": v["poor"],
        }
    )
    report("villages", len(villages))
    need_row, need_service, severity = actors.needs(rng, v["hardship"])
    needs = _frame(
        {
            "village_id": village_id[need_row],
            "service": services[need_service],
            "severity": severity,
        }
    )
    report("needs", len(needs))

    o = actors.organizations(rng, geo, size.organizations, scale)
    org_id = ids("O", size.organizations, 7)
    organizations = _frame(
        {
            "org_id": org_id,
            "name": o["name"],
            "kind": np.array(ORG_KINDS, dtype=object)[o["kind"]],
            "county": geo.county[o["county"]],
            "lat": o["lat"],
            "lon": o["lon"],
            "max_villages": o["max_villages"],
            "volunteers": o["volunteers"],
            "rating": o["rating"],
            "has_party_branch": o["party"],
        }
    )
    report("organizations", len(organizations))
    caps = actors.capabilities(rng, o["kind"], o["quality"])
    capabilities = _frame(
        {"org_id": org_id[caps[0]], "service": services[caps[1]], "level": caps[2]}
    )
    report("capabilities", len(capabilities))

    p = actors.volunteers(rng, geo, o, caps, n_volunteers)
    volunteer_id = ids("P", n_volunteers, 8)
    member_of = np.full(n_volunteers, None, dtype=object)
    member_of[p["org"] >= 0] = org_id[p["org"][p["org"] >= 0]]
    people = _frame(
        {
            "volunteer_id": volunteer_id,
            "name": person_names(rng, n_volunteers),
            "lat": p["lat"],
            "lon": p["lon"],
            "county": geo.county[p["county"]],
            "hours_per_month": p["hours"],
            "org_id": member_of,
        }
    )
    del member_of
    report("volunteers", len(people))
    skills = _frame(
        {"volunteer_id": volunteer_id[p["skill_row"]], "service": services[p["skill_service"]]}
    )
    del p, volunteer_id
    report("volunteer_skills", len(skills))

    h: History = make_history(
        rng, size.projects, v, (need_row, need_service, severity), o, caps, geo, report
    )
    village_name = villages["name"].to_numpy(object)
    place = np.where(h.village >= 0, village_name[np.maximum(h.village, 0)], geo.county[h.county])
    tables = {
        "villages": villages,
        "needs": needs,
        "organizations": organizations,
        "capabilities": capabilities,
        "volunteers": people,
        "volunteer_skills": skills,
        "projects": _frame(
            {
                "project_id": ids("J", len(h.lead), 7),
                "name": join(h.year.astype(str), "年", place, h.program, "项目"),
                "lead_org_id": org_id[h.lead],
                "service": services[h.service],
                "village_id": np.where(h.village >= 0, village_id[np.maximum(h.village, 0)], None),
                "start_date": h.start,
                "end_date": h.end,
                "budget_yuan": h.budget,
                "demonstration": h.demonstration,
            }
        ),
    }
    project_id = tables["projects"]["project_id"].to_numpy(object)
    tables["project_orgs"] = _frame(
        {
            "project_id": project_id[h.member_project],
            "org_id": org_id[h.member_org],
            "role": np.where(h.member_is_lead, "lead", "partner").astype(object),
        }
    )
    tables["reviews"] = _frame(
        {
            "project_id": project_id[h.review_project],
            "score": h.review_score,
            "reviewed_on": h.review_date,
            "reviewer": h.reviewer,
            "comment": h.comment,
        }
    )
    tables["partnerships"] = _frame(
        {
            "village_id": village_id[h.pair_village],
            "org_id": org_id[h.pair_org],
            "role": np.where(h.pair_is_lead, "lead", "member").astype(object),
            "since": h.pair_since,
        }
    )
    world = Dataset(tables)
    del tables
    report("dataset", sum(world.counts().values()))
    return world
