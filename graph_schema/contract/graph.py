"""The world as a networkx graph, with the node and relationship names of ``DESIGN.md``."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from .dataset import Dataset

__all__ = ["dataset_to_graph", "graph_signature"]


def _clean(record: dict) -> dict:
    return {
        k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v))
        for k, v in record.items()
    }


def dataset_to_graph(dataset: Dataset) -> nx.MultiDiGraph:
    """Build ``(:Village)-[:NEEDS]->(:Service)``, ``(:Organization)-[:PROVIDES]->(:Service)`` and the rest.

    Node keys are ``(label, id)`` tuples, edge keys the relationship type; attributes are the
    table's columns plus ``label``.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({"villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"],
    ...     "county": ["泰山区"], "lat": [36.3], "lon": [117.2]}),
    ...     "needs": pd.DataFrame({"village_id": ["V1"], "service": ["medical"], "severity": [4]})})
    >>> g = dataset_to_graph(ds)
    >>> g.edges[("Village", "V1"), ("Service", "medical"), "NEEDS"]["severity"]
    4
    """
    g = nx.MultiDiGraph()
    nodes = (
        ("villages", "Village", "village_id"),
        ("organizations", "Organization", "org_id"),
        ("volunteers", "Volunteer", "volunteer_id"),
        ("projects", "Project", "project_id"),
    )
    for table, label, key in nodes:
        for rec in dataset[table].to_dict("records"):
            g.add_node((label, rec[key]), label=label, **_clean(rec))
    services = (
        set(dataset["needs"]["service"])
        | set(dataset["capabilities"]["service"])
        | set(dataset["volunteer_skills"]["service"])
        | set(dataset["projects"]["service"])
    )
    for s in services:
        g.add_node(("Service", s), label="Service", code=s)
    for rec in dataset["needs"].to_dict("records"):
        g.add_edge(
            ("Village", rec["village_id"]),
            ("Service", rec["service"]),
            "NEEDS",
            severity=int(rec["severity"]),
        )
    for rec in dataset["capabilities"].to_dict("records"):
        g.add_edge(
            ("Organization", rec["org_id"]),
            ("Service", rec["service"]),
            "PROVIDES",
            level=int(rec["level"]),
        )
    for rec in dataset["volunteers"].to_dict("records"):
        if rec["org_id"] is not None:
            g.add_edge(
                ("Volunteer", rec["volunteer_id"]), ("Organization", rec["org_id"]), "MEMBER_OF"
            )
    for rec in dataset["volunteer_skills"].to_dict("records"):
        g.add_edge(("Volunteer", rec["volunteer_id"]), ("Service", rec["service"]), "SKILLED_IN")
    for rec in dataset["projects"].to_dict("records"):
        g.add_edge(("Project", rec["project_id"]), ("Service", rec["service"]), "FOR")
        if rec["village_id"] is not None:
            g.add_edge(("Project", rec["project_id"]), ("Village", rec["village_id"]), "SERVED")
    for rec in dataset["project_orgs"].to_dict("records"):
        g.add_edge(
            ("Organization", rec["org_id"]),
            ("Project", rec["project_id"]),
            "TOOK_PART_IN",
            role=rec["role"],
        )
    for i, rec in enumerate(dataset["reviews"].to_dict("records")):
        node = (
            "Review",
            f"{rec['project_id']}|{rec['reviewed_on'] or ''}|{rec['reviewer'] or ''}|{i}",
        )
        g.add_node(node, label="Review", **_clean(rec))
        g.add_edge(node, ("Project", rec["project_id"]), "OF")
    for rec in dataset["partnerships"].to_dict("records"):
        g.add_edge(
            ("Organization", rec["org_id"]),
            ("Village", rec["village_id"]),
            "SUPPORTS",
            **{k: rec[k] for k in ("role", "since", "approved_by")},
        )
    return g


def graph_signature(g: nx.MultiDiGraph) -> tuple[int, int, frozenset]:
    """Node count, edge count and the set of ``(u, v, key)`` edges: compares two snapshots."""
    return g.number_of_nodes(), g.number_of_edges(), frozenset(g.edges(keys=True))
