"""Writes that combine validation and a store: what the command line and the site call."""

from __future__ import annotations

import os

from .contract.dataset import Dataset
from .contract.interchange import read_data
from .contract.limits import ReadLimits
from .store.base import GraphStore, ImportReport

__all__ = ["import_path", "import_dataset"]


def import_path(
    store: GraphStore,
    path: str | os.PathLike,
    actor: str = "system",
    limits: ReadLimits | None = None,
) -> ImportReport:
    """Validate a data folder or workbook (references may point at stored ids) and import it whole.

    ``limits`` bound a workbook before it is parsed (default
    :data:`~graph_schema.contract.limits.DEFAULT_LIMITS`). Raises
    :class:`~graph_schema.errors.ValidationError` before anything is written.
    """
    dataset = read_data(path, known_ids=store.known_ids(), limits=limits)
    return store.import_dataset(dataset, actor=actor, source=os.fspath(path))


def import_dataset(
    store: GraphStore, dataset: Dataset, actor: str = "system", source: str = ""
) -> ImportReport:
    """Import an already-validated dataset (e.g. a generated demo world)."""
    return store.import_dataset(dataset, actor=actor, source=source)
