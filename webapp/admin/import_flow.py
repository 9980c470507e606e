"""The steps of an import through the site: keep the upload, preview it, confirm, apply.

An upload that passes validation is kept in the site database (:class:`ImportUpload`, never on a
web server's disk: any server or worker of the site can read it) under an unguessable token
that expires after :data:`UPLOAD_HOURS`. Its preview is computed from the stored world and the
upload (:func:`graph_schema.contract.diff.upsert_result`, exactly what the store's import does)
together with the store's table versions; a confirmation applies it only while those versions
are unchanged. See docs/imports.md. The upload rows' writes (keep, expire, claim) are in
:mod:`webapp.admin.operations`.
"""

from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from graph_schema.contract.dataset import Dataset
from graph_schema.contract.diff import DatasetDiff, diff_datasets, upsert_result
from graph_schema.contract.interchange import read_data
from graph_schema.contract.limits import ReadLimits
from graph_schema.store.base import GraphStore, IssuedLetter, now_iso

from .uploads import save_upload

__all__ = [
    "UPLOAD_HOURS",
    "Preview",
    "read_upload",
    "store_versions",
    "compute_preview",
]

#: how long a previewed upload waits for its confirmation
UPLOAD_HOURS = 1


def read_upload(
    store: GraphStore, name: str, data: bytes, limits: ReadLimits
) -> tuple[Dataset, str]:
    """Validate an uploaded file's bytes against the contract and the stored ids.

    Returns the dataset and the file name to show. Raises
    :class:`~graph_schema.errors.ValidationError` with every problem as ``file:line``.
    """
    with tempfile.TemporaryDirectory(prefix="baotuan-upload-") as tmp:
        path, shown = save_upload(io.BytesIO(data), name, Path(tmp), limits)
        return read_data(path, known_ids=store.known_ids(), limits=limits), shown


def store_versions(store: GraphStore) -> str:
    """The store's table versions as text: equal texts, same stored rows."""
    return json.dumps(store.table_versions(), sort_keys=True)


@dataclass
class Preview:
    """What confirming an upload would do: the diff, and the partnerships and letters touched.

    ``partnerships`` lists ``(kind, village_id, org_id, changes)`` with kind ``new``,
    ``changed``, ``ended`` (an import never ends one: it upserts) or ``renamed`` (its village or
    organization changes); ``letters`` the issued letters of those partnerships, villages and
    organizations.
    """

    diff: DatasetDiff
    rows: dict[str, int]
    partnerships: list[tuple[str, str, str, list]] = field(default_factory=list)
    letters: list[IssuedLetter] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether confirming would change nothing."""
        return self.diff.empty


def compute_preview(store: GraphStore, upload: Dataset, actor: str) -> Preview:
    """The preview of importing ``upload`` into ``store`` now (see the module)."""
    before = store.load_dataset()
    after = upsert_result(before, upload, actor, now_iso())
    diff = diff_datasets(before, after)
    links = diff["partnerships"]
    touched: list[tuple[str, str, str, list]] = []
    touched += [("new", v, o, []) for v, o in links.added_keys()]
    for key, changes in links.changes(len(links.changed)):
        village, org = key.split("/", 1)
        touched.append(("changed", village, org, changes))
    touched += [("ended", v, o, []) for v, o in links.removed_keys()]
    villages = {k[0] for k in diff["villages"].changed_keys()}
    orgs = {k[0] for k in diff["organizations"].changed_keys()}
    listed = {(v, o) for _, v, o, _ in touched}
    stored_links = before["partnerships"][["village_id", "org_id"]].itertuples(index=False)
    for village, org in stored_links:
        if (village, org) not in listed and (village in villages or org in orgs):
            touched.append(("renamed", village, org, []))
    pairs = {(v, o) for _, v, o, _ in touched}
    letters = []
    if pairs or villages or orgs:
        letters = [
            x
            for x in store.issued_letters()
            if (x.village_id, x.org_id) in pairs or x.village_id in villages or x.org_id in orgs
        ]
    return Preview(diff=diff, rows=upload.counts(), partnerships=touched, letters=letters)
