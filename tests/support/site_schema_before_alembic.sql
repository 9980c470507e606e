-- The site database's tables as the site created them before Alembic (webapp/db.py,
-- webapp/organization/schema.py, webapp/review/rubric.py at commit d531d07^): a file from
-- before must upgrade to head keeping its rows (tests/test_site_db.py).
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('officer', 'organization', 'reviewer', 'admin')),
    org_id TEXT,
    display_name TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'disabled', 'rejected')),
    created_at TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT,
    api_token_hash TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS matcher_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    stage TEXT,
    done INTEGER DEFAULT 0,
    total INTEGER DEFAULT 0,
    max_group INTEGER,
    error TEXT,
    result_json TEXT,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS recommendation_decisions (
    run_id INTEGER NOT NULL REFERENCES matcher_runs(id),
    village_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (run_id, village_id)
);
CREATE TABLE IF NOT EXISTS integrity_marks (
    item_key TEXT PRIMARY KEY,
    checked_by TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    note TEXT
);
CREATE TABLE IF NOT EXISTS org_contacts (
    org_id TEXT PRIMARY KEY,
    contact_name TEXT,
    phone TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS org_registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS org_registrations_status ON org_registrations(status);
CREATE TABLE IF NOT EXISTS review_rubrics (
    project_id TEXT NOT NULL,
    reviewed_on TEXT NOT NULL,
    reviewer TEXT NOT NULL,
    need_fit REAL NOT NULL,
    execution REAL NOT NULL,
    effect REAL NOT NULL,
    sustainability REAL NOT NULL,
    funds REAL NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (project_id, reviewed_on, reviewer)
);
