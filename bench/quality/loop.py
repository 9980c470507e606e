"""One simulated year on the platform: the recommended groups are carried out and reviewed.

Every recommended group is approved at the start of ``year`` and carries out one project per need
it covers: the member the recommendation names for the need (``covers``) leads it, the whole group
is its team (as in the true value, :mod:`bench.quality.greedy`). The project's true expected score
comes from the generator's hidden outcome model; its reviews are drawn as the history's are (the
village county's reviewers with their leniency, the generator's noise and share of second
reviews), and written the way the platform writes a review
(:func:`webapp.services.reviews.save_review`): ``project_id``, ``score`` (the rubric's five parts,
each in half points, so a multiple of 0.5), ``reviewed_on`` (ISO date), ``reviewer`` (the site
account's user name, :func:`platform_reviewer`) and no comment. The projects and their teams are
rows of the contract's ``projects`` and ``project_orgs``, so an import accepts them.

The villages, needs and partnerships in force do not change: the year's groups have ended (a
partnership has no end date in the contract, so an ended one is no row), and the next matcher run
faces the same needs with one more year of outcomes. The naive and truth greedies do not read the
history, so they are the same in the world after the year.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph_schema import SERVICE_LABELS_ZH, SERVICES, Dataset

from .contract import org_ids, village_ids
from .errors import QualityBenchError

__all__ = [
    "PlatformYear",
    "simulate_year",
    "platform_reviewer",
    "after_year",
    "pairs_with_evidence",
    "recommended_pairs_with_evidence",
    "prediction_errors",
    "carried_out",
    "predicted_scores",
    "reviewed_pairs",
]

_SERVICE_INDEX = {s: i for i, s in enumerate(SERVICES)}


def platform_reviewer(k: int) -> str:
    """The site user name of the generator's reviewer ``k`` (an account, not an imported name).

    Examples
    --------
    >>> platform_reviewer(0)
    'reviewer001'
    """
    return f"reviewer{k + 1:03d}"


@dataclass(frozen=True)
class PlatformYear:
    """What one year on the platform added, and the dataset with it."""

    year: int
    dataset: Dataset  # the world's tables with the year's projects, teams and reviews
    projects: pd.DataFrame
    project_orgs: pd.DataFrame
    reviews: pd.DataFrame
    expected: np.ndarray  # the hidden true expected score of each added project


def carried_out(world, doc: dict):
    """(village, service, lead, group padded with -1) of every covered need of ``doc``."""
    vindex = {v: i for i, v in enumerate(village_ids(world.n_villages))}
    oindex = {o: i for i, o in enumerate(org_ids(world.n_orgs))}
    rows: list[tuple[int, int, int, list[int]]] = []
    try:
        for rec in doc.get("recommendations", []):
            members = [oindex[m["org_id"]] for m in rec["organizations"]]
            for m in rec["organizations"]:
                for s in m.get("covers") or []:
                    rows.append(
                        (vindex[rec["village_id"]], _SERVICE_INDEX[s], oindex[m["org_id"]], members)
                    )
    except KeyError as exc:
        raise QualityBenchError(f"a recommendation names an unknown id or service {exc}") from None
    width = max((len(r[3]) for r in rows), default=1)
    group = np.full((len(rows), width), -1, np.int64)
    for i, r in enumerate(rows):
        group[i, : len(r[3])] = r[3]
    v, s, lead = (np.array([r[k] for r in rows], np.int64) for k in range(3))
    return v, s, lead, group


def simulate_year(world, doc: dict, year: int, seed: int = 0) -> PlatformYear:
    """Carry out ``doc``'s groups in ``year`` and record their reviews as the platform does.

    ``doc`` is ``RecommendationResult.to_contract_json()``.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> doc = {"recommendations": [{"village_id": "V00002", "organizations": [
    ...     {"org_id": "O000001", "covers": [SERVICES[int(w.actors.o_level[0].argmax())]]}]}]}
    >>> y = simulate_year(w, doc, 2022)
    >>> len(y.projects), bool(y.reviews["reviewer"].str.startswith("reviewer").all())
    (1, True)
    """
    a, h, spec = world.actors, world.history, world.spec
    rng = np.random.default_rng([seed, year, zlib.crc32(world.spec.name.encode())])
    v, s, lead, group = carried_out(world, doc)
    n = len(v)
    expected = world.expected(v, s, lead, group)
    # approved at the start of the year, done and reviewed before its end
    start = np.datetime64(f"{year}-01-01") + rng.integers(0, 60, n)
    end = start + rng.integers(120, 270, n)
    reviewed_on = end + rng.integers(7, 30, n)
    bias = h["reviewer_bias"]
    per_county = len(bias) // len(a.county_names)
    county = a.v_county[v]
    first = county * per_county + rng.integers(0, per_county, n)
    second = np.flatnonzero(rng.random(n) < spec.second_review)
    rev_p = np.concatenate([np.arange(n), second])
    reviewer = np.concatenate(
        [first, county[second] * per_county + (first[second] + 1) % per_county]
    )
    df = spec.params.get("noise_df")  # heavy-tailed review noise, as the generator draws it
    noise = spec.noise_sd * (rng.standard_t(df, len(rev_p)) if df else rng.normal(0, 1, len(rev_p)))
    # the rubric's five parts are in half points: the total is a multiple of 0.5
    score = np.round(np.clip(expected[rev_p] + bias[reviewer] + noise, 0, 100) * 2) / 2
    rev_date = np.concatenate([reviewed_on, reviewed_on[second] + 3])

    pid = np.array([f"PL{year}-{i + 1:05d}" for i in range(n)], dtype=object)
    vid, oid = village_ids(world.n_villages), org_ids(world.n_orgs)
    projects = pd.DataFrame(
        {
            "project_id": pid,
            "name": [
                f"{year}年{a.v_name[vi]}{SERVICE_LABELS_ZH[SERVICES[si]]}抱团项目"
                for vi, si in zip(v, s, strict=True)
            ],
            "lead_org_id": oid[lead],
            "service": np.array(SERVICES, dtype=object)[s],
            "village_id": vid[v],
            "start_date": _iso(start),
            "end_date": _iso(end),
            "budget_yuan": np.round(rng.lognormal(11.0, 0.6, n), -2),
        }
    )
    best = np.zeros(n)
    np.maximum.at(best, rev_p, score)
    projects["demonstration"] = best >= 85
    pr, slot = np.nonzero(group >= 0)
    project_orgs = pd.DataFrame(
        {
            "project_id": pid[pr],
            "org_id": oid[group[pr, slot]],
            "role": np.where(group[pr, slot] == lead[pr], "lead", "partner"),
        }
    )
    reviews = pd.DataFrame(
        {
            "project_id": pid[rev_p],
            "score": score,
            "reviewed_on": _iso(rev_date),
            "reviewer": [platform_reviewer(int(k)) for k in reviewer],
            "comment": None,  # save_review stores an empty comment as none
        }
    )
    tables = {name: world.dataset[name] for name in world.dataset}
    for name, added in (
        ("projects", projects),
        ("project_orgs", project_orgs),
        ("reviews", reviews),
    ):
        tables[name] = pd.concat([tables[name], added], ignore_index=True)
    return PlatformYear(year, Dataset(tables), projects, project_orgs, reviews, expected)


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)


def after_year(world, year: PlatformYear):
    """The same world (actors, hidden truth, partnerships in force) with the year's history.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> after_year(w, simulate_year(w, {"recommendations": []}, 2022)).n_villages
    60
    """
    return dataclasses.replace(world, dataset=year.dataset)


def reviewed_pairs(dataset) -> set[tuple[str, str]]:
    """Pairs of organization ids (in sorted order) that share a reviewed project."""
    reviewed = set(dataset["reviews"]["project_id"])
    po = dataset["project_orgs"]
    po = po[po["project_id"].isin(reviewed)]
    pairs: set[tuple[str, str]] = set()
    for _pid, orgs in po.groupby("project_id")["org_id"]:
        members = sorted(set(orgs))
        pairs.update((x, y) for i, x in enumerate(members) for y in members[i + 1 :])
    return pairs


def pairs_with_evidence(dataset) -> int:
    """Unordered pairs of organizations that share at least one reviewed project.

    Examples
    --------
    >>> ds = Dataset({"project_orgs": pd.DataFrame({"project_id": ["P1"] * 3,
    ...     "org_id": ["A", "B", "C"]}), "reviews": pd.DataFrame({"project_id": ["P1"],
    ...     "score": [70.0]})})
    >>> pairs_with_evidence(ds)
    3
    """
    return len(reviewed_pairs(dataset))


def recommended_pairs_with_evidence(dataset, doc: dict) -> tuple[int, int]:
    """(pairs of the recommended groups with a reviewed joint project, all their pairs).

    Examples
    --------
    >>> ds = Dataset({"project_orgs": pd.DataFrame({"project_id": ["P1"] * 2,
    ...     "org_id": ["A", "B"]}), "reviews": pd.DataFrame({"project_id": ["P1"],
    ...     "score": [70.0]})})
    >>> doc = {"recommendations": [{"organizations": [{"org_id": "B"}, {"org_id": "A"},
    ...     {"org_id": "C"}]}]}
    >>> recommended_pairs_with_evidence(ds, doc)
    (1, 3)
    """
    known = reviewed_pairs(dataset)
    hit = total = 0
    for rec in doc.get("recommendations", []):
        members = sorted({m["org_id"] for m in rec["organizations"]})
        for i, x in enumerate(members):
            for y in members[i + 1 :]:
                total += 1
                hit += (x, y) in known
    return hit, total


def predicted_scores(doc: dict) -> np.ndarray:
    """The explanation's ``predicted_score`` of every covered need, in :func:`carried_out`'s order
    (NaN where it gives none).

    Examples
    --------
    >>> doc = {"recommendations": [{"organizations": [{"covers": ["medical"],
    ...     "facts": {"predicted_score": {"medical": 61.5}}}]}]}
    >>> predicted_scores(doc).tolist()
    [61.5]
    """
    predicted = [
        m["facts"]["predicted_score"][svc]
        for rec in doc.get("recommendations", [])
        for m in rec["organizations"]
        for svc in m.get("covers") or []
    ]
    return np.array([np.nan if p is None else p for p in predicted], float)


def prediction_errors(world, doc: dict) -> dict[str, float]:
    """How far the recommendation's own predicted scores are from the hidden expected scores.

    For every covered need, ``predicted_score`` of the member covering it (the explanation's
    facts) against the true expected score of that project (lead = that member, team = the group):
    mean absolute error in review points, mean signed error (``bias`` > 0: the groups chosen
    were predicted better than they are — the winner's curse of choosing by a noisy estimate)
    and Spearman correlation.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> prediction_errors(w, {"recommendations": []})["n"]
    0
    """
    from scipy.stats import spearmanr

    v, s, lead, group = carried_out(world, doc)
    if len(v) == 0:
        return {"n": 0, "mae": float("nan"), "bias": float("nan"), "spearman": float("nan")}
    truth = world.expected(v, s, lead, group)
    pred = predicted_scores(doc)
    ok = np.isfinite(pred)
    rho = spearmanr(pred[ok], truth[ok]).statistic if ok.sum() > 2 else float("nan")
    return {
        "n": int(ok.sum()),
        "mae": float(np.mean(np.abs(pred[ok] - truth[ok]))),
        "bias": float(np.mean(pred[ok] - truth[ok])),
        "spearman": float(rho),
    }
