"""Past groups valued as the team loop values a proposed team, and the coefficients it reads.

The outcome model predicts a reviewed project with its group ridge: size, partner and pair
columns. The team loop (:mod:`matcher.teams`) takes the pairs' terms from the joint fit instead
(:mod:`matcher.pair_effects`: pairs, communities, party branches, pairs of two kinds, returns, and
the kinds a team holds counted once). The ridge's size coefficients were read beside its own pair
columns, not beside those terms: where larger past groups held more pairs of two kinds, the ridge
read part of what those pairs brought as the size's own, and the loop then counted it twice.
:func:`loop_coefficients` refits the group ridge with the joint terms as an offset, so the size
and partner coefficients the loop adds them to are read beside them (it replaces the size shifts of
sessions 38 and 39, which assumed the ridge's size coefficients had taken the whole of those
terms).

Whether the history's group terms are worth using, and how far to trust them
(:func:`matcher.scoring.choose_variant`, :func:`matcher.scoring.group_trust`), is a question about
the terms the loop uses: :func:`loop_predictions` predicts the time split's newer projects with
them. Past groups are read as fitted — their size and partners' distances before the caps the
loop puts on them for proposed teams, partners that brought no need with the ridge's coefficient
— and what partners' registered traits add (:mod:`matcher.partner_traits`) is not in the reading.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Ridge

from .collaboration import members_matrix, pairs_of
from .features import GROUP_COLUMNS
from .outcome_model import N_UNARY, OutcomeModel
from .pair_effects import JointEffects, kinds_beyond_first
from .snapshot import Snapshot

__all__ = ["loop_predictions", "loop_coefficients", "joint_contribution"]


def joint_contribution(joint: JointEffects, snap: Snapshot, rows: np.ndarray) -> np.ndarray:
    """What the joint terms, as kept, add to each reviewed project ``rows`` (model units): its
    pairs' terms (pair, community, party, kinds, returns) and the kinds its members hold."""
    members = members_matrix(snap.proj_members[np.asarray(rows, dtype=np.int64)])
    pr, a, b = pairs_of(members)
    out = np.bincount(pr, joint.pair_term(a, b), minlength=len(members)).astype(float)
    if joint.roles_coef != 0.0 and joint.kind is not None:
        out += joint.roles_coef * kinds_beyond_first(joint.kind, members)
    return out


def loop_coefficients(
    model: OutcomeModel, joint: JointEffects, snap: Snapshot, rows: np.ndarray, x: np.ndarray
) -> tuple[np.ndarray, float]:
    """The group ridge refitted beside the joint terms: coefficients of :data:`GROUP_COLUMNS`
    and the offset to add with them (the refit's intercept less the ridge's: the lead's trees
    learnt what the ridge's own intercept left).

    The outcome model's group ridge reads size and partners beside its own pair columns; the team
    loop replaces those by the joint terms. Whatever the ridge's pair columns did not take of the
    pairs' and kinds' effects, its size coefficients took (larger past groups held more pairs);
    read beside the joint terms instead, the size and partner coefficients are those of the terms
    the loop adds them to. Same target (what the lead's trees left, out of fold), same penalty;
    the joint terms are an offset, the pair columns out (their coefficients 0).
    """
    xg = np.array(x[:, N_UNARY:], dtype=float)
    pairs = GROUP_COLUMNS.index("pair_history")
    xg[:, pairs:] = 0.0
    target = model.residual_ - joint_contribution(joint, snap, rows)
    refit = Ridge(alpha=model.alpha).fit(xg, target)
    coef, offset = refit.coef_.copy(), float(refit.intercept_ - model.group_.intercept_)
    sizes = [GROUP_COLUMNS.index(c) for c in ("size2", "size3", "size4plus")]
    if len(xg) and xg[:, sizes].sum(axis=1).min() > 0:
        # no lone project: every row holds one size indicator, so the ridge split the intercept
        # among them and only their differences are read; the smallest size seen is the reference
        first = sizes[int(np.argmax(xg[:, sizes].any(axis=0)))]
        offset += float(coef[first])
        coef[sizes] -= coef[first]
    return coef, offset


def loop_predictions(
    model: OutcomeModel,
    joint: JointEffects,
    snap: Snapshot,
    rows: np.ndarray,
    x: np.ndarray,
    coef: tuple[np.ndarray, float],
) -> np.ndarray:
    """Predicted scores (0..100) of reviewed projects ``rows`` as the team loop values them.

    ``x`` holds the projects' feature rows (:func:`matcher.features.training_rows`, unary then
    group columns); ``coef`` the group coefficients and offset the loop reads
    (:func:`loop_coefficients`). Past groups were chosen: their sizes and partners' distances are
    read as fitted, before the caps the team loop puts on them for proposed teams.

    Examples
    --------
    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.collaboration import History
    >>> from matcher.features import training_rows
    >>> from matcher.pair_effects import fit_joint_effects
    >>> from matcher.snapshot import build_snapshot
    >>> orgs = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in "ABCDEF"]
    >>> teams = [["A", "B"], ["C"], ["D", "E"], ["F"], ["A"], ["B", "C"]] * 8
    >>> projects = [(f"J{i}", "medical", t, "V1", 50.0 + 3 * (i % 7), f"{2000 + i % 20}-06-30")
    ...     for i, t in enumerate(teams)]
    >>> snap = build_snapshot(tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})], orgs,
    ...     projects=projects))
    >>> hist = History(snap)
    >>> rows = np.arange(len(teams))
    >>> x, y, _ = training_rows(snap, hist, rows)
    >>> model = OutcomeModel(max_iter=20).fit(x, y)
    >>> joint = fit_joint_effects(snap, hist, rows, model.residual_)
    >>> coef = loop_coefficients(model, joint, snap, rows, x)
    >>> pred = loop_predictions(model, joint, snap, rows, x, coef)
    >>> bool(pred.shape == (48,) and (pred >= model.floor_).all() and (pred <= 100).all())
    True
    """
    beta, offset = coef
    pairs = GROUP_COLUMNS.index("pair_history")  # the pair columns are not the loop's
    eta = model.predict_unary(x[:, :N_UNARY]) + offset + x[:, N_UNARY:][:, :pairs] @ beta[:pairs]
    return model.team_terms().score(eta + joint_contribution(joint, snap, rows))
