"""Letters as records: issue each member's 介绍信 once, reprint the same bytes, revoke by record.

At an approval every member of the group gets its letter (``issue_group_letters``): a 文号 from
the issuing bureau's per-year sequence, the PDF rendered once from what the store holds at that
moment, and the bytes with their SHA-256 kept in the graph store (``GraphStore.issue_letter``,
so they live in Neo4j too) with an audit entry. A letter is keyed by its partnership
(``village/org/approved_at``), so issuing again — a repair, a second download — returns the same
record. When a group ends or changes, each letter no longer in force gets a 撤销 record of its own
(``revoke_letters_not_in_force``); the letter itself is never changed. A group that ends or
changes outside the officer's page — an import that re-approves a partnership or adds to a group,
``baotuan partnership end`` — gets the same records from ``revoke_ended_letters``, told which
partnerships there were before. A village checks a letter with its 文号 and the verification code
printed on it (``verify``, the public page ``/letters/verify``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph_schema.contract.dataset import Dataset
from graph_schema.store import GraphStore
from graph_schema.store.base import IssuedLetter, LetterRequest, now_iso

from ..officer.letters import DEFAULTS, Letter, LetterNotFound, Member, committee_of
from ..officer.pdf import letter_pdf, revocation_pdf
from ..people_time import beijing_date, chinese_date, person
from ..sitedb.models import OrgContact

__all__ = [
    "issuer",
    "issue_group_letters",
    "letter_in_force",
    "revoke_ended_letters",
    "revoke_letters_not_in_force",
    "verification_code",
    "verify",
]


def verification_code(reference: str, key: str) -> str:
    """The short code printed next to a letter's 文号 (a digest of the record's identity).

    Examples
    --------
    >>> verification_code("泰民社介〔2026〕1号", "V1/O1/2026-03-01T00:00:00+00:00/0")
    '784A-EBDE-B666'
    """
    digest = hashlib.sha256(f"{reference}|{key}".encode()).hexdigest()[:12].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def _settings(config: Mapping) -> dict:
    return {k: config.get(k, v) for k, v in DEFAULTS.items()}


def _keys(store: GraphStore, village_id: str, group: list[dict]) -> list[str]:
    # A membership's letter is keyed by its approval, and by how many of the organization's
    # letters there were revoked before: a group ended and approved again within the same second
    # (approved_at has seconds) still gets a new letter, never the revoked one.
    revoked: dict[str, int] = {}
    for record in store.issued_letters(village_id=village_id):
        if record.kind == "revocation":
            revoked[record.org_id] = revoked.get(record.org_id, 0) + 1
    return [_key(village_id, r, revoked.get(r["org_id"], 0)) for r in group]


def _key(village_id: str, row: Mapping, revocations: int) -> str:
    return f"{village_id}/{row['org_id']}/{row['approved_at'] or row['since']}/{revocations}"


def _group(store: GraphStore, village_id: str) -> list[dict]:
    rows = store.query("partnerships", {"village_id": village_id}).to_dict("records")
    return sorted(rows, key=lambda r: (r["role"] != "lead", r["org_id"]))


def _letters(store: GraphStore, session: Session, village_id: str, config: Mapping) -> list:
    """The requests for the letters of the group in force (content read now, from the store)."""
    group = _group(store, village_id)
    villages = store.query("villages", {"village_id": village_id})
    if not group or villages.empty:
        return []
    needs = list(store.query("needs", {"village_id": village_id})["service"])
    members = []
    for row in group:
        orgs = store.query("organizations", {"org_id": row["org_id"]})
        offers = set(store.query("capabilities", {"org_id": row["org_id"]})["service"])
        name = str(orgs["name"].iloc[0]) if not orgs.empty else row["org_id"]
        members.append(
            Member(row["org_id"], name, row["role"], tuple(s for s in needs if s in offers))
        )
    contact = session.scalars(select(OrgContact).where(OrgContact.org_id == members[0].org_id))
    found = contact.first()
    lead_contact = " ".join(x for x in (found.contact_name, found.phone) if x) if found else ""
    settings = _settings(config)
    out = []
    keys = _keys(store, village_id, group)
    for row, member, key in zip(group, members, keys, strict=True):
        content = Letter(
            reference="",
            verification="",
            issued_at=str(row["approved_at"] or row["since"]),
            bureau=settings["OFFICER_BUREAU"],
            party_committee=settings["OFFICER_PARTY_COMMITTEE"],
            bureau_contact=settings["OFFICER_BUREAU_CONTACT"],
            village_id=village_id,
            village_name=str(villages["name"].iloc[0]),
            org=member,
            partners=tuple(members),
            lead_contact=f"{members[0].name} {lead_contact}" if lead_contact else "",
            since=str(row["since"] or row["approved_at"])[:10],
            valid_months=int(settings["OFFICER_LETTER_VALID_MONTHS"]),
            approved_by=person(str(row["approved_by"] or ""), session),
        )

        def render(reference: str, content: Letter = content, key: str = key) -> bytes:
            return letter_pdf(content.numbered(reference, verification_code(reference, key)))

        year = int(beijing_date(content.issued_at)[:4])
        request = LetterRequest(
            key, settings["OFFICER_LETTER_PREFIX"], year, village_id, member.org_id, render
        )
        out.append(request)
    return out


def issue_group_letters(
    store: GraphStore, session: Session, village_id: str, actor: str, config: Mapping
) -> list[IssuedLetter]:
    """Issue (once) every member's letter of the village's group in force; a no-op when issued.

    Examples
    --------
    A village without a group in force has no letters to issue.

    >>> import tempfile
    >>> from graph_schema.store import SqliteGraphStore
    >>> store = SqliteGraphStore(tempfile.mkdtemp() + "/world.sqlite")
    >>> issue_group_letters(store, None, "V1", "officer:li", {})
    []
    >>> store.close()
    """
    return [store.issue_letter(r, actor) for r in _letters(store, session, village_id, config)]


def issuer(config: Mapping):
    """The approval unit's letter step for a site configured by ``config`` (its issuers).

    Examples
    --------
    >>> callable(issuer({"OFFICER_LETTER_PREFIX": "泰民社介"}))
    True
    """

    def issue(session: Session, store: GraphStore, village_id: str, actor: str) -> list:
        return issue_group_letters(store, session, village_id, actor, config)

    return issue


def letter_in_force(
    store: GraphStore, session: Session, village_id: str, org_id: str, config: Mapping
) -> IssuedLetter:
    """The letter issued to ``org_id`` for its membership in force (issued now if it never was).

    Partnerships imported or approved before letters were records get theirs on first use.
    Raises :class:`LetterNotFound` when the organization is not in the village's group.
    """
    for request in _letters(store, session, village_id, config):
        if request.org_id == org_id:
            found = store.issued_letters(village_id=village_id, org_id=org_id)
            same = [x for x in found if x.key == request.key]
            return same[0] if same else store.issue_letter(request, "system:letters")
    raise LetterNotFound(f"{village_id}/{org_id}")


def revoke_letters_not_in_force(
    store: GraphStore,
    village_id: str,
    actor: str,
    reason: str,
    config: Mapping,
    *,
    at: str | None = None,
) -> list[IssuedLetter]:
    """A 撤销 record for each letter of the village whose membership is no longer in force."""
    in_force = set(_keys(store, village_id, _group(store, village_id)))
    records = store.issued_letters(village_id=village_id)
    revoked = {r.revokes for r in records if r.kind == "revocation"}
    ended = [
        letter
        for letter in records
        if letter.kind == "letter"
        and letter.key not in in_force
        and letter.reference not in revoked
    ]
    return [_revoke(store, letter, actor, reason, config, at) for letter in ended]


def _revoke(
    store: GraphStore,
    letter: IssuedLetter,
    actor: str,
    reason: str,
    config: Mapping,
    at: str | None,
) -> IssuedLetter:
    """Issue the 撤销 record of ``letter`` (keyed by its 文号: issuing it twice returns the first)."""
    settings = _settings(config)
    today = beijing_date(at or now_iso())
    villages = store.query("villages", {"village_id": letter.village_id})
    name = str(villages["name"].iloc[0]) if not villages.empty else letter.village_id
    orgs = store.query("organizations", {"org_id": letter.org_id})
    org_name = str(orgs["name"].iloc[0]) if not orgs.empty else letter.org_id

    def render(reference: str) -> bytes:
        return revocation_pdf(
            reference,
            letter.reference,
            committee_of(name),
            org_name,
            reason,
            chinese_date(today),
            settings["OFFICER_BUREAU"],
        )

    request = LetterRequest(
        f"revoke/{letter.reference}",
        settings["OFFICER_LETTER_PREFIX"],
        int(today[:4]),
        letter.village_id,
        letter.org_id,
        render,
        kind="revocation",
        revokes=letter.reference,
    )
    return store.issue_letter(request, actor)


#: what a caller may pass as the partnerships before a change
PartnershipsBefore: TypeAlias = Dataset | pd.DataFrame | Iterable[Mapping[str, Any]]


def _rows(partnerships: PartnershipsBefore) -> list[dict]:
    if isinstance(partnerships, Dataset):
        partnerships = partnerships["partnerships"]
    if isinstance(partnerships, pd.DataFrame):
        partnerships = partnerships.astype(object).where(partnerships.notna(), None)
        return partnerships.to_dict("records")
    return [dict(r) for r in partnerships]


def _groups(rows: list[dict]) -> dict[str, frozenset]:
    """Each village's group as a comparable value: who, in which role, approved when."""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    out: dict[str, set] = {}
    for r in rows:
        stamp = text(r.get("approved_at")) or text(r.get("since"))
        out.setdefault(str(r["village_id"]), set()).add((str(r["org_id"]), text(r["role"]), stamp))
    return {village: frozenset(members) for village, members in out.items()}


def revoke_ended_letters(
    store: GraphStore,
    before: PartnershipsBefore,
    actor: str,
    reason: str,
    config: Mapping | None = None,
    *,
    at: str | None = None,
) -> list[IssuedLetter]:
    """Issue a 撤销 record for every letter a change of partnerships took out of force.

    For the doors that change partnerships without the officer's 结束帮扶关系 — an import, the
    command line. ``before`` are the partnerships as stored right before the change (a
    :class:`~graph_schema.contract.dataset.Dataset`, its ``partnerships`` frame, or rows as
    mappings; all of them, or those of the villages the change may touch). A letter is revoked
    when its membership is no longer in force (the partnership ended, or was approved again: its
    key is gone) or when its village is in ``before`` and its group changed (organizations, roles
    or approval differ), since the letter names the group. ``before`` must be read right before
    the change: with an older one, a letter issued since to the new group would be revoked too.
    Never twice: a letter already revoked is skipped, and a 撤销 record is keyed by the
    letter's 文号. The letters themselves are never changed; the group now in force gets new
    letters on first use (``letter_in_force``). ``config`` holds the issuer settings (the site's
    ``app.config``; ``None`` = the defaults of ``webapp.officer.letters.DEFAULTS``); ``at`` is
    the notice's moment (UTC ISO 8601, default now), whose Beijing date the notice prints.

    Examples
    --------
    A store that has issued no letters has nothing to revoke:

    >>> import tempfile
    >>> from graph_schema.store import SqliteGraphStore
    >>> store = SqliteGraphStore(tempfile.mkdtemp() + "/world.sqlite")
    >>> before = store.query("partnerships")
    >>> revoke_ended_letters(store, before, "cli", "数据导入调整了帮扶关系")
    []
    >>> store.close()
    """
    records = store.issued_letters()
    letters = [r for r in records if r.kind == "letter"]
    if not letters:
        return []
    revoked = {r.revokes for r in records if r.kind == "revocation"}
    counts: dict[tuple[str, str], int] = {}
    for r in records:
        if r.kind == "revocation":
            counts[(r.village_id, r.org_id)] = counts.get((r.village_id, r.org_id), 0) + 1
    now_rows = _rows(store.query("partnerships"))
    in_force = {
        _key(str(r["village_id"]), r, counts.get((str(r["village_id"]), str(r["org_id"])), 0))
        for r in now_rows
    }
    groups_before, groups_now = _groups(_rows(before)), _groups(now_rows)
    # only villages ``before`` speaks of: a caller may pass the rows of one village
    changed = {v for v, group in groups_before.items() if groups_now.get(v) != group}
    ended = [
        letter
        for letter in letters
        if letter.reference not in revoked
        and (letter.key not in in_force or letter.village_id in changed)
    ]
    return [_revoke(store, letter, actor, reason, config or {}, at) for letter in ended]


def verify(store: GraphStore, reference: str, code: str) -> IssuedLetter | None:
    """The issued record with this 文号 when ``code`` is its verification code, else ``None``."""
    found = store.issued_letters(reference=reference.strip())
    wanted = code.strip().upper().replace(" ", "")
    for letter in found:
        if verification_code(letter.reference, letter.key) == wanted:
            return letter
    return None
