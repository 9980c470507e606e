"""The body of a confirmed import: the same code in a ``baotuan worker`` and in the web request.

It takes the upload's row from ``queued`` to ``running`` (a row cancelled meanwhile is left
alone), reads the upload's bytes from the site database, validates them against the store again
(ids may have gone since the preview), imports them with
:meth:`graph_schema.store.GraphStore.import_dataset` and writes the report — or the error — to the
row the imports page follows. An issued letter the import took out of force (its partnership
re-approved, its group changed) gets a 撤销 record
(:func:`webapp.services.letters.revoke_ended_letters`), as on the command line. The bytes are dropped once the import is applied or failed
(the row keeps their SHA-256). See docs/imports.md.

Examples
--------
>>> import tempfile
>>> from webapp import create_app
>>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp(), "REDIS_URL": None})
>>> execute_import(app, 12345)  # no such upload: nothing to do
'missing'
"""

from __future__ import annotations

import json

from flask import Flask

__all__ = ["execute_import", "IMPORT_TIMEOUT"]

#: seconds a worker lets an import run (a province through the driver takes minutes)
IMPORT_TIMEOUT = 4 * 3600


def execute_import(app: Flask, upload_id: int) -> str:
    """Apply the confirmed upload ``upload_id`` to ``app``'s store, recording how it went.

    Returns
    -------
    str
        ``applied``, ``failed``, ``cancelled`` (the row was no longer queued) or ``missing``.
    """
    from graph_schema.errors import ValidationError
    from graph_schema.store.base import now_iso
    from webapp.admin.import_flow import read_upload
    from webapp.admin.operations import claim
    from webapp.cli.data_commands import IMPORT_REVOCATION_REASON
    from webapp.services.letters import revoke_ended_letters
    from webapp.sitedb import get_session
    from webapp.sitedb.models_imports import ImportUpload

    with app.app_context():
        session = get_session()
        row = session.get(ImportUpload, upload_id)
        if row is None:
            return "missing"
        if not claim(session, upload_id, "queued", "running", progress="读取并校验文件"):
            return "cancelled"
        store = app.extensions["baotuan_store"]
        settings = app.extensions["baotuan_settings"]
        try:
            dataset, name = read_upload(store, row.file_name, row.data, settings.read_limits)
            claim(session, upload_id, "running", "running", progress="写入数据库")
            actor = row.confirmed_by or row.actor
            before = store.query("partnerships")  # right before the import: what letters name
            report = store.import_dataset(dataset, actor=actor, source=f"upload:{name}")
        except ValidationError as exc:
            shown = "; ".join(str(p) for p in exc.problems[:20])
            return _failed(session, upload_id, f"{exc.total} problem(s): {shown}", now_iso())
        except Exception as exc:  # shown on the imports page, never lost silently
            return _failed(session, upload_id, f"{type(exc).__name__}: {exc}", now_iso())
        try:
            revoked = revoke_ended_letters(
                store, before, actor, IMPORT_REVOCATION_REASON, app.config
            )
        except Exception as exc:  # applied all the same: say so, and which step is missing
            revoked = []
            claim(session, upload_id, "running", "running", error=f"撤销记录未出具: {exc}")
        summary = {
            "rows": report.rows,
            "changed": report.changed,
            "revoked": [(x.revokes, x.reference) for x in revoked],
        }
        claim(
            session,
            upload_id,
            "running",
            "applied",
            progress=None,
            report_json=json.dumps(summary),
            finished_at=now_iso(),
            data=b"",
        )
    return "applied"


def _failed(session, upload_id: int, error: str, at: str) -> str:
    from webapp.admin.operations import claim

    session.rollback()
    claim(session, upload_id, "running", "failed", progress=None, error=error, finished_at=at)
    return "failed"
