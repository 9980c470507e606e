"""Every Cypher statement of the Neo4j store, parameterised (``$name``, ``UNWIND $rows``).

How the tables of the data contract map onto the graph of ``DESIGN.md``:

============== ===================================================================================
table          graph
============== ===================================================================================
villages       ``(:Village {village_id, name, county, ...})``
needs          ``(:Village)-[:NEEDS {severity}]->(:Service {code})``
organizations  ``(:Organization {org_id, ...})``
capabilities   ``(:Organization)-[:PROVIDES {level}]->(:Service)``
volunteers     ``(:Volunteer {volunteer_id, ...})`` and ``-[:MEMBER_OF]->(:Organization)``
volunteer_...  ``(:Volunteer)-[:SKILLED_IN]->(:Service)``
projects       ``(:Project {project_id, ...})``, ``-[:FOR]->(:Service)``, ``-[:SERVED]->(:Village)``
project_orgs   ``(:Organization)-[:TOOK_PART_IN {role}]->(:Project)``
reviews        ``(:Review {project_id, score, ...})-[:OF]->(:Project)``
partnerships   ``(:Organization)-[:SUPPORTS {role, since, approved_by, approved_at}]->(:Village)``
activities     ``(:Activity {activity_id, date, ...})``, ``-[:AT]->(:Village)``, ``-[:BY]->(:Organization)``,
               ``-[:FOR]->(:Service)``
activity_vo... ``(:Volunteer)-[:SERVED_IN {hours}]->(:Activity)``
============== ===================================================================================

plus the audit trail ``(:AuditEntry {seq, at, actor, action, target, before, after})``, chained by
``[:NEXT]``. A column that is a reference (a volunteer's ``org_id``, a project's ``service``) is a
relationship, not a property; an empty optional column is an absent property.

The statements below are built once, at import time, from the fixed table specs of
:mod:`graph_schema.contract.tables`; data only ever reaches the server as parameters. A row travels as a
list in the column order of its table spec (shorter on the wire than a map): ``row[i]`` is column
``i``; reviews carry one more element, their synthetic key.

Examples
--------
>>> print(UPSERT["needs"].splitlines()[0])
UNWIND $rows AS row
>>> "$" in LOAD["villages"]
False
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..contract.tables import TABLE_ORDER, TABLES

__all__ = [
    "End",
    "NodeMap",
    "RelMap",
    "NODE_MAPS",
    "REL_MAPS",
    "SCHEMA",
    "UPSERT",
    "LOAD",
    "FETCH",
    "DELETE",
    "COUNT",
    "IDS",
    "MISSING",
    "STAMP_PARTNERSHIPS",
    "LOCK_VILLAGE",
    "LOCK_ORGANIZATION",
    "CREATE_SUPPORTS",
    "END_PARTNERSHIP",
    "APPEND_AUDIT",
    "AUDIT_LOG",
    "DELETE_ALL_BATCHED",
    "NEXT_LETTER_NUMBER",
    "LETTER_BY_KEY",
    "CREATE_LETTER",
    "ISSUED_LETTERS",
    "PING",
    "TRANSACTION_MEMORY",
]


@dataclass(frozen=True)
class End:
    """A node that a column points at: its label, its id property and the column holding the id."""

    label: str
    key: str
    column: str


@dataclass(frozen=True)
class NodeMap:
    """A table whose rows are nodes; ``refs`` are columns kept as relationships ``(type, target)``."""

    table: str
    label: str
    key: str
    refs: tuple[tuple[str, End], ...] = ()
    #: reference columns that are also kept as a property (part of the node's identity)
    ref_properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelMap:
    """A table whose rows are relationships ``(start)-[:type]->(end)``."""

    table: str
    type: str
    start: End
    end: End


def _service(column: str = "service") -> End:
    return End("Service", "code", column)


NODE_MAPS: dict[str, NodeMap] = {
    m.table: m
    for m in (
        NodeMap("villages", "Village", "village_id"),
        NodeMap("organizations", "Organization", "org_id"),
        NodeMap(
            "volunteers",
            "Volunteer",
            "volunteer_id",
            refs=(("MEMBER_OF", End("Organization", "org_id", "org_id")),),
        ),
        NodeMap(
            "projects",
            "Project",
            "project_id",
            refs=(("FOR", _service()), ("SERVED", End("Village", "village_id", "village_id"))),
        ),
        # A review has no id of its own: its key (project, date, reviewer) may have empty parts,
        # so the store keeps one synthetic ``review_key`` (see Neo4jGraphStore) unique instead.
        NodeMap(
            "reviews",
            "Review",
            "review_key",
            refs=(("OF", End("Project", "project_id", "project_id")),),
            ref_properties=("project_id",),
        ),
        NodeMap(
            "activities",
            "Activity",
            "activity_id",
            refs=(
                ("AT", End("Village", "village_id", "village_id")),
                ("BY", End("Organization", "org_id", "org_id")),
                ("FOR", _service()),
            ),
        ),
    )
}

REL_MAPS: dict[str, RelMap] = {
    m.table: m
    for m in (
        RelMap("needs", "NEEDS", End("Village", "village_id", "village_id"), _service()),
        RelMap("capabilities", "PROVIDES", End("Organization", "org_id", "org_id"), _service()),
        RelMap(
            "volunteer_skills",
            "SKILLED_IN",
            End("Volunteer", "volunteer_id", "volunteer_id"),
            _service(),
        ),
        RelMap(
            "project_orgs",
            "TOOK_PART_IN",
            End("Organization", "org_id", "org_id"),
            End("Project", "project_id", "project_id"),
        ),
        RelMap(
            "partnerships",
            "SUPPORTS",
            End("Organization", "org_id", "org_id"),
            End("Village", "village_id", "village_id"),
        ),
        RelMap(
            "activity_volunteers",
            "SERVED_IN",
            End("Volunteer", "volunteer_id", "volunteer_id"),
            End("Activity", "activity_id", "activity_id"),
        ),
    )
}

assert set(NODE_MAPS) | set(REL_MAPS) == set(TABLE_ORDER)

# -- schema ------------------------------------------------------------------------------------
#: ``name -> statement``; the store creates those that ``SHOW CONSTRAINTS / INDEXES`` lacks.
SCHEMA: dict[str, str] = {
    "village_id": "CREATE CONSTRAINT village_id IF NOT EXISTS FOR (n:Village) REQUIRE n.village_id IS UNIQUE",
    "org_id": "CREATE CONSTRAINT org_id IF NOT EXISTS FOR (n:Organization) REQUIRE n.org_id IS UNIQUE",
    "volunteer_id": "CREATE CONSTRAINT volunteer_id IF NOT EXISTS FOR (n:Volunteer) REQUIRE n.volunteer_id IS UNIQUE",
    "project_id": "CREATE CONSTRAINT project_id IF NOT EXISTS FOR (n:Project) REQUIRE n.project_id IS UNIQUE",
    "service_code": "CREATE CONSTRAINT service_code IF NOT EXISTS FOR (n:Service) REQUIRE n.code IS UNIQUE",
    "review_key": "CREATE CONSTRAINT review_key IF NOT EXISTS FOR (n:Review) REQUIRE n.review_key IS UNIQUE",
    "audit_seq": "CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.seq IS UNIQUE",
    "audit_sequence": "CREATE CONSTRAINT audit_sequence IF NOT EXISTS FOR (n:AuditSequence) REQUIRE n.name IS UNIQUE",
    "table_version": "CREATE CONSTRAINT table_version IF NOT EXISTS FOR (n:TableVersion) REQUIRE n.name IS UNIQUE",
    # lookups of the site: villages and organizations of a county, by name, a project's reviews
    "village_county": "CREATE INDEX village_county IF NOT EXISTS FOR (n:Village) ON (n.county)",
    "village_name": "CREATE TEXT INDEX village_name IF NOT EXISTS FOR (n:Village) ON (n.name)",
    "organization_county": "CREATE INDEX organization_county IF NOT EXISTS FOR (n:Organization) ON (n.county)",
    "organization_name": "CREATE TEXT INDEX organization_name IF NOT EXISTS FOR (n:Organization) ON (n.name)",
    "organization_kind": "CREATE INDEX organization_kind IF NOT EXISTS FOR (n:Organization) ON (n.kind)",
    "volunteer_county": "CREATE INDEX volunteer_county IF NOT EXISTS FOR (n:Volunteer) ON (n.county)",
    "project_lead": "CREATE INDEX project_lead IF NOT EXISTS FOR (n:Project) ON (n.lead_org_id)",
    "review_project": "CREATE INDEX review_project IF NOT EXISTS FOR (n:Review) ON (n.project_id)",
    "audit_action": "CREATE INDEX audit_action IF NOT EXISTS FOR (n:AuditEntry) ON (n.action)",
    "activity_id": "CREATE CONSTRAINT activity_id IF NOT EXISTS FOR (n:Activity) REQUIRE n.activity_id IS UNIQUE",
    "activity_date": "CREATE INDEX activity_date IF NOT EXISTS FOR (n:Activity) ON (n.date)",
    "issued_letter_reference": "CREATE CONSTRAINT issued_letter_reference IF NOT EXISTS FOR (n:IssuedLetter) REQUIRE n.reference IS UNIQUE",
    "issued_letter_key": "CREATE CONSTRAINT issued_letter_key IF NOT EXISTS FOR (n:IssuedLetter) REQUIRE n.key IS UNIQUE",
    "issued_letter_village": "CREATE INDEX issued_letter_village IF NOT EXISTS FOR (n:IssuedLetter) ON (n.village_id)",
    "letter_sequence": "CREATE CONSTRAINT letter_sequence IF NOT EXISTS FOR (n:LetterSequence) REQUIRE n.name IS UNIQUE",
}

PING = "RETURN 1 AS ok"


# -- statement builders (fixed specs only) ---------------------------------------------------
def _same(stored: str, given: str) -> str:
    """Null-safe equality: an absent property equals an empty value."""
    return f"coalesce({stored} = {given}, {stored} IS NULL AND {given} IS NULL)"


def _index(table: str, column: str) -> int:
    return TABLES[table].column_names.index(column)


def _node_props(m: NodeMap) -> list[str]:
    """Columns kept as node properties (the key first for reviews: its key is synthetic)."""
    refs = {end.column for _, end in m.refs} - set(m.ref_properties)
    return [c for c in TABLES[m.table].column_names if c not in refs]


def _rel_props(m: RelMap) -> list[str]:
    return [c for c in TABLES[m.table].column_names if c not in (m.start.column, m.end.column)]


def _key_slot(m: NodeMap) -> str:
    """Where a row holds the node's key: a column, or (reviews) one element past the columns."""
    spec = TABLES[m.table]
    if m.key in spec.column_names:
        return f"row[{_index(m.table, m.key)}]"
    return f"row[{len(spec.columns)}]"


def _match_end(var: str, end: End, value: str) -> str:
    if end.label == "Service":  # a closed vocabulary: the node is made on first use
        return f"MERGE ({var}:Service {{code: {value}}}) ON CREATE SET {var}.label_zh = $labels[{value}]"
    return f"MATCH ({var}:{end.label} {{{end.key}: {value}}})"


def _node_upsert(m: NodeMap) -> str:
    t = m.table
    props = [c for c in _node_props(m) if c != m.key]
    lines = [
        "UNWIND $rows AS row",
        f"MERGE (n:{m.label} {{{m.key}: {_key_slot(m)}}})",
        "WITH n, row",
    ]
    carried = ["n", "row"]
    for i, (_, end) in enumerate(m.refs):
        value = f"row[{_index(t, end.column)}]"
        if end.label == "Service":
            lines.append(_match_end(f"t{i}", end, value))
        else:  # optional references: a row without one matches nothing and is fine
            lines.append(f"OPTIONAL MATCH (t{i}:{end.label} {{{end.key}: {value}}})")
        carried.append(f"t{i}")
        lines.append("WITH " + ", ".join(carried))
    old = [
        f"[(n)-[r:{rel}]->(x:{end.label}) | x.{end.key}] AS old{i}"
        for i, (rel, end) in enumerate(m.refs)
    ]
    lines.append("WITH " + ", ".join(carried + old))
    differs = [
        f"NOT ({' AND '.join(_same(f'n.{c}', f'row[{_index(t, c)}]') for c in props)}) AS props_differ"
    ]
    for i, (_, end) in enumerate(m.refs):
        value = f"row[{_index(t, end.column)}]"
        differs.append(f"NOT {_same(f'old{i}[0]', value)} AS ref{i}_differs")
    lines.append("WITH " + ", ".join(carried + [f"old{i}" for i in range(len(m.refs))] + differs))
    sets = ", ".join(f"n.{c} = row[{_index(t, c)}]" for c in props)
    lines.append(f"FOREACH (_ IN CASE WHEN props_differ THEN [1] ELSE [] END | SET {sets})")
    for i, (rel, _) in enumerate(m.refs):
        # Re-point the relationship only when the referenced id changed.
        lines.append(
            f"FOREACH (_ IN CASE WHEN ref{i}_differs THEN [1] ELSE [] END |\n"
            f"  FOREACH (x IN [(n)-[old:{rel}]->() | old] | DELETE x)\n"
            f"  FOREACH (t IN CASE WHEN t{i} IS NULL THEN [] ELSE [t{i}] END | CREATE (n)-[:{rel}]->(t)))"
        )
    changed = " OR ".join(["props_differ"] + [f"ref{i}_differs" for i in range(len(m.refs))])
    missing = (
        " OR ".join(
            f"(row[{_index(t, end.column)}] IS NOT NULL AND t{i} IS NULL)"
            for i, (_, end) in enumerate(m.refs)
        )
        or "false"
    )
    lines.append(
        f"RETURN count(*) AS rows, sum(CASE WHEN {changed} THEN 1 ELSE 0 END) AS changed,\n"
        f"       sum(CASE WHEN {missing} THEN 1 ELSE 0 END) AS missing"
    )
    return "\n".join(lines)


def _rel_upsert(m: RelMap) -> str:
    t = m.table
    spec = TABLES[t]
    props = [c for c in _rel_props(m) if c not in spec.extra]
    extra = [c for c in _rel_props(m) if c in spec.extra]
    lines = [
        "UNWIND $rows AS row",
        _match_end("a", m.start, f"row[{_index(t, m.start.column)}]"),
        _match_end("b", m.end, f"row[{_index(t, m.end.column)}]"),
        "WITH a, b, row",
        f"OPTIONAL MATCH (a)-[old:{m.type}]->(b)",
        "WITH a, b, row, old IS NULL AS created",
        f"MERGE (a)-[r:{m.type}]->(b)",
    ]
    # Plain columns are replaced; the columns the project adds (who approved a partnership)
    # are only replaced by a value, never emptied, as in the SQLite store.
    tests = [_same(f"r.{c}", f"row[{_index(t, c)}]") for c in props]
    changes = [f"NOT ({' AND '.join(tests)})"] if tests else []
    changes += [
        f"(row[{_index(t, c)}] IS NOT NULL AND NOT coalesce(r.{c} = row[{_index(t, c)}], false))"
        for c in extra
    ]
    lines.append("WITH r, row, " + " OR ".join(["created"] + changes) + " AS differs")
    sets = [f"r.{c} = row[{_index(t, c)}]" for c in props]
    sets += [f"r.{c} = coalesce(row[{_index(t, c)}], r.{c})" for c in extra]
    if sets:
        lines.append(
            f"FOREACH (_ IN CASE WHEN differs THEN [1] ELSE [] END | SET {', '.join(sets)})"
        )
    lines.append(
        "RETURN count(*) AS rows, sum(CASE WHEN differs THEN 1 ELSE 0 END) AS changed, 0 AS missing"
    )
    return "\n".join(lines)


def _node_columns(m: NodeMap) -> list[str]:
    """One expression per column of the table, in its order, for a node bound to ``n``."""
    out = []
    refs = {end.column: (rel, end) for rel, end in m.refs}
    for c in TABLES[m.table].column_names:
        if c in refs and c not in m.ref_properties:
            rel, end = refs[c]
            out.append(f"[(n)-[:{rel}]->(x:{end.label}) | x.{end.key}][0] AS {c}")
        else:
            out.append(f"n.{c} AS {c}")
    return out


def _rel_columns(m: RelMap) -> list[str]:
    out = []
    for c in TABLES[m.table].column_names:
        if c == m.start.column:
            out.append(f"a.{m.start.key} AS {c}")
        elif c == m.end.column:
            out.append(f"b.{m.end.key} AS {c}")
        else:
            out.append(f"r.{c} AS {c}")
    return out


def _rel_pattern(m: RelMap, start_key: str = "", end_key: str = "") -> str:
    a = f"{{{m.start.key}: {start_key}}}" if start_key else ""
    b = f"{{{m.end.key}: {end_key}}}" if end_key else ""
    return f"(a:{m.start.label} {a})-[r:{m.type}]->(b:{m.end.label} {b})".replace(" )", ")")


def _key_positions(m: RelMap) -> tuple[int, int]:
    key = TABLES[m.table].key
    return key.index(m.start.column), key.index(m.end.column)


#: table -> statement upserting ``$rows`` (and ``$labels``: Service code -> Chinese label);
#: returns ``rows`` (matched), ``changed`` (inserted or different) and ``missing`` (dangling refs).
UPSERT: dict[str, str] = {}
#: table -> statement returning every row, columns in the table's order
LOAD: dict[str, str] = {}
#: table -> statement returning the rows whose keys are in ``$keys`` (as in LOAD)
FETCH: dict[str, str] = {}
#: table -> statement deleting the rows whose keys are in ``$keys``; returns ``deleted``
DELETE: dict[str, str] = {}
#: table -> statement returning ``n``, the number of rows
COUNT: dict[str, str] = {}

for _name, _m in NODE_MAPS.items():
    _cols = ", ".join(_node_columns(_m))
    UPSERT[_name] = _node_upsert(_m)
    LOAD[_name] = f"MATCH (n:{_m.label}) RETURN {_cols}"
    FETCH[_name] = f"UNWIND $keys AS k MATCH (n:{_m.label} {{{_m.key}: k}}) RETURN {_cols}"
    # DETACH: the rows that hang on a node (its needs, skills, memberships...) go with it.
    DELETE[_name] = (
        f"UNWIND $keys AS k MATCH (n:{_m.label} {{{_m.key}: k}}) DETACH DELETE n RETURN count(*) AS deleted"
    )
    COUNT[_name] = f"MATCH (n:{_m.label}) RETURN count(n) AS n"

for _name, _r in REL_MAPS.items():
    _cols = ", ".join(_rel_columns(_r))
    _s, _e = _key_positions(_r)
    UPSERT[_name] = _rel_upsert(_r)
    LOAD[_name] = f"MATCH {_rel_pattern(_r)} RETURN {_cols}"
    FETCH[_name] = (
        f"UNWIND $keys AS k MATCH {_rel_pattern(_r, f'k[{_s}]', f'k[{_e}]')} RETURN {_cols}"
    )
    DELETE[_name] = (
        f"UNWIND $keys AS k MATCH {_rel_pattern(_r, f'k[{_s}]', f'k[{_e}]')} DELETE r RETURN count(*) AS deleted"
    )
    COUNT[_name] = f"MATCH ()-[r:{_r.type}]->() RETURN count(r) AS n"

#: (label, id property) -> statement returning those of ``$ids`` that no node has
MISSING: dict[tuple[str, str], str] = {
    (
        label,
        key,
    ): f"UNWIND $ids AS id OPTIONAL MATCH (n:{label} {{{key}: id}}) WITH id, n WHERE n IS NULL RETURN collect(id) AS missing"
    for label, key in (
        ("Village", "village_id"),
        ("Organization", "org_id"),
        ("Volunteer", "volunteer_id"),
        ("Project", "project_id"),
        ("Activity", "activity_id"),
    )
}

#: (table, id column) -> statement returning every stored id
IDS: dict[tuple[str, str], str] = {
    (m.table, m.key): f"MATCH (n:{m.label}) RETURN n.{m.key} AS id"
    for m in NODE_MAPS.values()
    if m.table != "reviews"
}

# -- imports -------------------------------------------------------------------------------
#: partnerships imported without an approver are recorded as approved by the importer
STAMP_PARTNERSHIPS = (
    "MATCH (:Organization)-[r:SUPPORTS]->(:Village) WHERE r.approved_by IS NULL "
    "SET r.approved_by = $actor, r.approved_at = $at"
)

# -- partnerships --------------------------------------------------------------------------
# Setting and removing a property takes the node's write lock until the transaction ends: two
# approvals that share a village or an organization queue here, the second one then reading what
# the first committed. Callers lock the village first, then organizations by ascending id.
LOCK_VILLAGE = """
MATCH (v:Village {village_id: $village_id})
SET v._lock = true REMOVE v._lock
RETURN COUNT { (v)<-[:SUPPORTS]-(:Organization) } AS supported
"""

LOCK_ORGANIZATION = """
MATCH (o:Organization {org_id: $org_id})
SET o._lock = true REMOVE o._lock
RETURN o.max_villages AS max_villages, COUNT { (o)-[:SUPPORTS]->(:Village) } AS supported
"""

CREATE_SUPPORTS = """
MATCH (v:Village {village_id: $village_id})
UNWIND $members AS m
MATCH (o:Organization {org_id: m.org_id})
CREATE (o)-[:SUPPORTS {role: m.role, since: $since, approved_by: $actor, approved_at: $at}]->(v)
"""

END_PARTNERSHIP = """
MATCH (o:Organization)-[r:SUPPORTS]->(:Village {village_id: $village_id})
WITH o.org_id AS org_id, r.role AS role, r.since AS since, r
ORDER BY org_id
DELETE r
RETURN org_id, role, since
"""

# -- audit -----------------------------------------------------------------------------------
# The sequence node is locked before its value is read (a bare ``SET c.last = c.last + 1`` reads
# first and can lose an update); writers call this last, so the lock is held only to the commit.
APPEND_AUDIT = """
MERGE (c:AuditSequence {name: 'audit'})
SET c._lock = true REMOVE c._lock
WITH c, coalesce(c.last, 0) + 1 AS seq
SET c.last = seq
CREATE (e:AuditEntry {seq: seq, at: $at, actor: $actor, action: $action, target: $target,
                      before: $before, after: $after})
WITH e, seq
OPTIONAL MATCH (p:AuditEntry {seq: seq - 1})
FOREACH (prev IN CASE WHEN p IS NULL THEN [] ELSE [p] END | CREATE (prev)-[:NEXT]->(e))
RETURN seq
"""

AUDIT_LOG = """
MATCH (e:AuditEntry)
WHERE $action IS NULL OR e.action = $action
RETURN e.seq AS seq, e.at AS at, e.actor AS actor, e.action AS action, e.target AS target,
       e.before AS before, e.after AS after
ORDER BY e.seq DESC SKIP $offset LIMIT $limit
"""

# -- issued letters (records: created once, never set again) ---------------------------------
# The sequence node of a (prefix, year) is locked before its value is read, as the audit's is.
NEXT_LETTER_NUMBER = """
MERGE (s:LetterSequence {name: $name})
SET s._lock = true REMOVE s._lock
WITH s, coalesce(s.last, 0) + 1 AS number
SET s.last = number
RETURN number
"""

_LETTER_FIELDS = (
    "l.reference AS reference, l.key AS key, l.prefix AS prefix, l.year AS year, "
    "l.number AS number, l.village_id AS village_id, l.org_id AS org_id, l.kind AS kind, "
    "l.revokes AS revokes, l.issued_at AS issued_at, l.issued_by AS issued_by, "
    "l.sha256 AS sha256, l.pdf AS pdf"
)

LETTER_BY_KEY = f"MATCH (l:IssuedLetter {{key: $key}}) RETURN {_LETTER_FIELDS}"

CREATE_LETTER = "CREATE (l:IssuedLetter) SET l = $letter"

ISSUED_LETTERS = f"""
MATCH (l:IssuedLetter)
WHERE ($village_id IS NULL OR l.village_id = $village_id)
  AND ($org_id IS NULL OR l.org_id = $org_id)
  AND ($reference IS NULL OR l.reference = $reference)
RETURN {_LETTER_FIELDS}
ORDER BY l.issued_at, l.number
"""

# -- maintenance -------------------------------------------------------------------------------
#: empties the database (tests, demo resets) in small transactions; the schema stays. The
#: relationships go first: one Service node has millions of them in a province, too many for the
#: one transaction a DETACH DELETE of that node would be. The (:TableVersion) nodes stay (the
#: store then bumps them): versions that started again at 0 would come back to numbers a running
#: site already cached a World for, and it would show that World for the new data.
DELETE_ALL_BATCHED = (
    "MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (n) WHERE NOT n:TableVersion CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS",
)

#: memory held by the running transactions that write rows (the import benchmark watches it)
TRANSACTION_MEMORY = """
SHOW TRANSACTIONS YIELD currentQuery, estimatedUsedHeapMemory, allocatedDirectBytes
WHERE currentQuery STARTS WITH 'UNWIND $rows'
RETURN sum(estimatedUsedHeapMemory) AS heap, sum(allocatedDirectBytes) AS direct
"""


# -- keyed reads (GraphStore.query) -------------------------------------------------------------
def query_statement(table: str, columns: Sequence[str]) -> str:
    """Rows of ``table`` whose ``columns`` equal ``$w0``, ``$w1``... (in that order).

    Column names come from the table spec (``KeyError`` for any other), never from a request; the
    values are parameters. The LOAD statement's projection is kept, filtered with a ``WITH``.
    """
    names = TABLES[table].column_names
    for c in columns:
        if c not in names:
            raise KeyError(f"{table} has no column {c!r}")
    if not columns:
        return LOAD[table]
    match, _sep, projection = LOAD[table].rpartition(" RETURN ")
    where = " AND ".join(f"{c} = $w{i}" for i, c in enumerate(columns))
    return f"{match} WITH {projection} WHERE {where} RETURN {', '.join(names)}"


# -- table versions (GraphStore.table_versions) -------------------------------------------------
#: one (:TableVersion {name, version}) per table, bumped in the transaction that changes the table
BUMP_VERSIONS = """
UNWIND $tables AS t
MERGE (v:TableVersion {name: t})
SET v._lock = true REMOVE v._lock
WITH v
SET v.version = coalesce(v.version, 0) + 1
"""
# The first SET takes the node's write lock, so the version is read after it: two writers that
# bump the same table queue, and neither loses the other's increment.
TABLE_VERSIONS = "MATCH (v:TableVersion) RETURN v.name AS name, v.version AS version"
