"""The 疑点清单: records that look wrong, found by rules over a :class:`~graph_schema.Dataset`.

Every rule is a pure function of the data it is given (:mod:`webapp.integrity.rules`); which
items a person has already checked lives in the site database (:mod:`webapp.integrity.marks`).

Examples
--------
>>> from graph_schema import Dataset
>>> find_items(Dataset())
[]
"""

from .rules import RULE_LABELS_ZH, RULES, Item, Thresholds, find_items

__all__ = ["Item", "Thresholds", "RULES", "RULE_LABELS_ZH", "find_items"]
