"""What a data folder's reviews say beyond the lead: observables the matcher does not read, checked.

Reads a data folder (``../shared/DATA_FORMAT.md``) and prints three tables:

1. each observable against the newest year's *residual* — the review score less the lead's shrunk
   mean score of the earlier years (pseudo-count 3): registered volunteers, their hours and skills
   in the project's service, past budgets, demonstration projects, the project's own budget, the
   group's size, and (for comparison) level and rating, which the model reads;
2. what the history says about a place — the lead had an earlier project in the same village, the
   village was served before, the same service there before — as least-squares coefficients on
   the residual against every other project of the lead (leave one out), with the lead's level;
3. whether a pair's record persists: the correlation of a pair's residual beyond its members'
   lead's and partners' own effects (a ridge, out of fold) in its first reviewed project with its
   residuals in the later ones.

It answers "is there signal here?" before a column is built for it (docs/open-points.md, session
27). On the Tai'an sample no unread observable had any (|correlation| < 0.07, |t| < 1).

    python bench/sample_observables.py ../shared/sample-data/taian-city --output obs.md
"""

from __future__ import annotations

import argparse
import io
import itertools
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graph_schema.contract.interchange import decode_csv  # noqa: E402

#: a lead's earlier mean is shrunk towards the overall mean with this many pseudo-reviews
PSEUDO = 3.0


def _read(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / name
    if not path.exists():
        return None
    return pd.read_csv(io.StringIO(decode_csv(path.read_bytes(), name)))


def _projects(folder: Path) -> pd.DataFrame:
    projects = _read(folder, "projects.csv")
    reviews = _read(folder, "reviews.csv")
    members = _read(folder, "project_orgs.csv")
    levels = _read(folder, "capabilities.csv").set_index(["org_id", "service"]).level
    projects["score"] = projects.project_id.map(reviews.groupby("project_id").score.mean())
    # when the project ran: its start, else its end (both optional in the contract)
    dates = [c for c in ("start_date", "end_date") if c in projects]
    when = projects[dates].bfill(axis=1).iloc[:, 0] if dates else None
    if when is None or when.isna().all():
        when = projects.project_id.map(reviews.groupby("project_id").reviewed_on.min())
    projects["start"] = pd.to_datetime(when)
    projects["year"] = projects.start.dt.year
    projects["members"] = projects.project_id.map(members.groupby("project_id").org_id.apply(list))
    projects["members"] = [
        m if isinstance(m, list) else [o]
        for m, o in zip(projects.members, projects.lead_org_id, strict=True)
    ]
    projects["level"] = [
        levels.get((o, s), 0) for o, s in zip(projects.lead_org_id, projects.service, strict=True)
    ]
    return projects.sort_values("start").reset_index(drop=True)


def newest_year_table(folder: Path, projects: pd.DataFrame) -> list[tuple[str, int, float]]:
    """``(observable, rows, correlation with the newest year's residual)``."""
    reviewed = projects[projects.score.notna()]
    newest = int(reviewed.year.max())
    before, test = reviewed[reviewed.year < newest], reviewed[reviewed.year == newest].copy()
    mean = before.score.mean()
    past = before.groupby("lead_org_id").score.agg(["sum", "count"])
    shrunk = (past["sum"] + PSEUDO * mean) / (past["count"] + PSEUDO)
    test["residual"] = test.score - test.lead_org_id.map(shrunk).fillna(mean)
    orgs = _read(folder, "organizations.csv").set_index("org_id")
    # both optional in the contract
    test = test.join(orgs[[c for c in ("rating", "volunteers") if c in orgs]], on="lead_org_id")
    vols = _read(folder, "volunteers.csv")
    if vols is not None and "org_id" in vols:
        per_org = vols.groupby("org_id").agg(
            n=("volunteer_id", "size"), h=("hours_per_month", "sum")
        )
        test["registered volunteers"] = test.lead_org_id.map(per_org.n).fillna(0)
        test["their hours a month"] = test.lead_org_id.map(per_org.h).fillna(0)
        skills = _read(folder, "volunteer_skills.csv")
        if skills is not None:
            skilled = (
                skills.merge(vols[["volunteer_id", "org_id"]]).groupby(["org_id", "service"]).size()
            )
            test["volunteers skilled in the service"] = [
                skilled.get((o, s), 0) for o, s in zip(test.lead_org_id, test.service, strict=True)
            ]
    earlier = projects[projects.year < newest]
    if "budget_yuan" in projects:
        test["lead's past mean budget"] = test.lead_org_id.map(
            earlier.groupby("lead_org_id").budget_yuan.mean()
        )
        test["log budget of the project"] = np.log(test.budget_yuan.where(test.budget_yuan > 0))
    if "demonstration" in projects:
        demo = earlier.demonstration.astype(str).str.lower().eq("true")
        test["lead's share of demonstration projects"] = test.lead_org_id.map(
            demo.groupby(earlier.lead_org_id).mean()
        )
    test["group size"] = test.members.str.len()
    columns = ["level"] + [c for c in test.columns if c not in projects.columns and c != "residual"]
    out = []
    for c in columns:
        x = pd.to_numeric(test[c], errors="coerce").astype(float)
        ok = x.notna() & np.isfinite(x)
        corr = float(np.corrcoef(x[ok], test.residual[ok])[0, 1]) if x[ok].std() > 0 else 0.0
        out.append((c, int(ok.sum()), corr))
    return out


def place_table(projects: pd.DataFrame) -> list[tuple[str, float, float, float]]:
    """``(fact, share of projects, coefficient, t)`` on the leave-one-out residual."""
    p = projects.copy()
    p["lead in the village before"] = p.groupby(["lead_org_id", "village_id"]).cumcount() > 0
    p["village served before"] = p.groupby("village_id").cumcount() > 0
    p["the service in the village before"] = p.groupby(["village_id", "service"]).cumcount() > 0
    r = p[p.score.notna() & p.village_id.notna()].copy()
    g = r.groupby("lead_org_id").score
    total, count, mean = g.transform("sum"), g.transform("count"), r.score.mean()
    y = (r.score - (total - r.score + PSEUDO * mean) / (count - 1 + PSEUDO)).to_numpy()
    out = []
    for fact in (
        "lead in the village before",
        "village served before",
        "the service in the village before",
    ):
        x = r[fact].astype(float).to_numpy()
        design = np.column_stack([np.ones(len(x)), x, r.level.to_numpy(float)])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        e = y - design @ beta
        cov = (e @ e) / (len(y) - 3) * np.linalg.pinv(design.T @ design)
        out.append((fact, float(x.mean()), float(beta[1]), float(beta[1] / np.sqrt(cov[1, 1]))))
    return out


def pair_persistence(projects: pd.DataFrame) -> tuple[int, int, float]:
    """``(pairs, later projects of a pair, correlation of its first residual with the later)``.

    The residual is out of fold (five folds) after a ridge on who led and who took part as a
    partner, so that neither member's own quality, in either role, passes for the pair's.
    """
    r = projects[projects.score.notna()].reset_index(drop=True)
    orgs = {o: i for i, o in enumerate(sorted({o for ms in r.members for o in ms}))}
    n = len(orgs)
    rows, cols, vals = [], [], []
    for i, (lead, ms) in enumerate(zip(r.lead_org_id, r.members, strict=True)):
        others = [o for o in ms if o != lead]
        # the lead's column, then each partner's (weighted 1 / number of partners)
        rows += [i] * (1 + len(others))
        cols += [orgs[lead]] + [n + orgs[o] for o in others]
        vals += [1.0] + [1.0 / max(len(others), 1)] * len(others)
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(r), 2 * n))
    folds = KFold(5, shuffle=True, random_state=0)
    residual = r.score.to_numpy() - cross_val_predict(Ridge(alpha=PSEUDO), x, r.score, cv=folds)
    pairs = pd.DataFrame(
        [
            (a, b, res, t)
            for ms, res, t in zip(r.members, residual, r.start, strict=True)
            for a, b in itertools.combinations(sorted(ms), 2)
        ],
        columns=["a", "b", "r", "t"],
    ).sort_values("t", kind="stable")
    pairs["k"] = pairs.groupby(["a", "b"]).cumcount()
    first = pairs[pairs.k == 0].set_index(["a", "b"]).r
    later = pairs[pairs.k >= 1]
    if len(later) < 3:
        return len(first), len(later), 0.0
    before = first.loc[list(zip(later.a, later.b, strict=True))].to_numpy()
    return len(first), len(later), float(np.corrcoef(before, later.r)[0, 1])


def report(folder: Path) -> str:
    projects = _projects(folder)
    lines = [
        f"Data folder: `{folder}`",
        "",
        "| observable | rows | correlation with the newest year's residual |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {c} | {n:,} | {r:+.3f} |" for c, n, r in newest_year_table(folder, projects)]
    lines += [
        "",
        "| what the history says about the place | share | coefficient (points) | t |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {f} | {s:.3f} | {b:+.2f} | {t:+.2f} |" for f, s, b, t in place_table(projects)]
    n_pairs, n_later, corr = pair_persistence(projects)
    lines += [
        "",
        f"Pairs in reviewed projects: {n_pairs:,}; later projects of a pair: {n_later:,}; "
        f"correlation of a pair's first residual with its later ones: {corr:+.3f}.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--output", type=Path, help="also write the tables to this file")
    args = ap.parse_args(argv)
    text = report(args.folder)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
