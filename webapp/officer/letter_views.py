"""The letters an officer prints: the record page and the PDF as it was issued.

A letter is served from the store's record (``webapp/services/letters.py``): the bytes issued at
the approval, whatever happened to the world since. Reaching a membership whose letter was never
issued (imported partnerships, approvals from before letters were records) issues it then.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, current_app, render_template, request

from graph_schema.store.base import IssuedLetter

from ..extensions import get_store
from ..scope import scoped_world
from ..services.letters import letter_in_force, verification_code
from ..sitedb import get_session
from .blueprint import bp
from .letters import LetterNotFound
from .world_cache import current_world

__all__ = ["letter", "letter_pdf_view"]


def _issued_or_404(village_id: str, org_id: str) -> IssuedLetter:
    world = scoped_world(current_world(get_store()))
    if village_id not in world.villages:
        abort(404)  # unknown, or outside the officer's county (webapp/scope.py)
    try:
        return letter_in_force(get_store(), get_session(), village_id, org_id, current_app.config)
    except LetterNotFound:
        abort(404)


@bp.get("/letters/<village_id>/<org_id>")
def letter(village_id: str, org_id: str):
    issued = _issued_or_404(village_id, org_id)
    world = scoped_world(current_world(get_store()))
    history = get_store().issued_letters(village_id=village_id, org_id=org_id)
    return render_template(
        "officer/letter.html",
        letter=issued,
        code=verification_code(issued.reference, issued.key),
        history=history,
        village=world.villages[village_id],
        org=world.orgs.get(org_id),
    )


@bp.get("/letters/<village_id>/<org_id>.pdf", endpoint="letter_pdf")
def letter_pdf_view(village_id: str, org_id: str):
    issued = _issued_or_404(village_id, org_id)
    if request.args.get("inline"):
        disposition = "inline"
    else:  # RFC 6266/5987: a plain ASCII name for old clients, the Chinese one for the rest
        name = quote(f"介绍信-{issued.reference}.pdf")
        ascii_name = f"letter-{village_id}-{org_id}-{issued.number}.pdf"
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{name}"
    return Response(
        issued.pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": disposition, "X-Letter-SHA256": issued.sha256},
    )
