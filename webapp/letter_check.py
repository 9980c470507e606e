"""The public page where a village checks a letter: 文号 + verification code → the record.

No account is needed: a village committee that receives a 介绍信 types the 文号 and the code
printed on it and sees whether the platform issued it, to which organization, and whether it
was revoked since (the record's SHA-256 lets a holder of the file compare it byte for byte).
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from .extensions import get_store, limiter
from .services.letters import verify

__all__ = ["bp", "check_letter"]

bp = Blueprint("letter_check", __name__)


@bp.get("/letters/verify")
@limiter.limit("30 per minute")  # a code is 12 hex digits: guessing needs far more
def check_letter():
    reference = request.args.get("reference", "").strip()
    code = request.args.get("code", "").strip()
    found = revocation = None
    organization = village = ""
    if reference and code:
        store = get_store()
        found = verify(store, reference, code)
        if found is not None:
            revocations = [
                r
                for r in store.issued_letters(village_id=found.village_id, org_id=found.org_id)
                if r.kind == "revocation" and r.revokes == found.reference
            ]
            revocation = revocations[0] if revocations else None
            orgs = store.query("organizations", {"org_id": found.org_id})
            villages = store.query("villages", {"village_id": found.village_id})
            organization = str(orgs["name"].iloc[0]) if not orgs.empty else found.org_id
            village = str(villages["name"].iloc[0]) if not villages.empty else found.village_id
    return render_template(
        "letter_check.html",
        reference=reference,
        code=code,
        asked=bool(reference and code),
        found=found,
        revocation=revocation,
        organization=organization,
        village=village,
    )
