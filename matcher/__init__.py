"""Matching: features, the outcome model and group (抱团) formation.

Examples
--------
>>> from matcher import recommend, MatcherError  # doctest: +SKIP
>>> result = recommend(dataset, max_group=4, seed=0)  # doctest: +SKIP
"""

from .errors import MatcherError
from .outcome_model import OutcomeModel, PriorModel
from .recommend import recommend
from .result import Member, Recommendation, RecommendationResult

__all__ = [
    "recommend",
    "MatcherError",
    "Member",
    "Recommendation",
    "RecommendationResult",
    "OutcomeModel",
    "PriorModel",
]
