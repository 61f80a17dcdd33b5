-- gwanmun schema, version 1 (SQLite).
-- Times are BIGINT Unix microseconds UTC; NULL is the zero time.
-- Keep in step with ../postgres/00001_init.sql: same tables, columns, indexes.

-- +goose Up
CREATE TABLE institutions (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('national', 'province', 'health_centre', 'medical', 'other')),
    parent_id   BIGINT REFERENCES institutions (id),
    region_code TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    CONSTRAINT institutions_code_key UNIQUE (code)
);
CREATE INDEX institutions_parent_idx ON institutions (parent_id);
CREATE INDEX institutions_name_idx ON institutions (name, id);
CREATE INDEX institutions_region_idx ON institutions (region_code);

CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    login_id             TEXT NOT NULL,
    name                 TEXT NOT NULL DEFAULT '',
    institution_id       BIGINT REFERENCES institutions (id),
    mobile               TEXT NOT NULL DEFAULT '',
    office_phone         TEXT NOT NULL DEFAULT '',
    email                TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('pending', 'active', 'locked', 'withdrawn')),
    consent_version      INTEGER NOT NULL DEFAULT 0,
    consent_at           BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    last_login_at        BIGINT,
    withdrawn_at         BIGINT,
    pseudonym            TEXT NOT NULL DEFAULT '',
    must_reregister_cert INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT users_login_id_key UNIQUE (login_id)
);
CREATE INDEX users_institution_idx ON users (institution_id);
CREATE INDEX users_name_idx ON users (name, login_id);
CREATE INDEX users_status_idx ON users (status);

CREATE TABLE certificates (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    subject_dn    TEXT NOT NULL DEFAULT '',
    issuer_dn     TEXT NOT NULL DEFAULT '',
    serial        TEXT NOT NULL DEFAULT '',
    key_hash      BLOB NOT NULL,
    not_before    BIGINT,
    not_after     BIGINT,
    policy_oid    TEXT NOT NULL DEFAULT '',
    class         TEXT NOT NULL DEFAULT 'unknown',
    der           BLOB,
    registered_at BIGINT NOT NULL,
    replaced_at   BIGINT,
    removed_at    BIGINT,
    CONSTRAINT certificates_key_hash_key UNIQUE (key_hash)
);
CREATE INDEX certificates_user_idx ON certificates (user_id, id);
CREATE INDEX certificates_serial_idx ON certificates (serial);

CREATE TABLE systems (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    retired_at  BIGINT,
    CONSTRAINT systems_code_key UNIQUE (code)
);

CREATE TABLE menus (
    id         INTEGER PRIMARY KEY,
    system_id  BIGINT NOT NULL REFERENCES systems (id),
    name       TEXT NOT NULL,
    url        TEXT NOT NULL DEFAULT '',
    sort_order INTEGER NOT NULL DEFAULT 0,
    retired_at BIGINT
);
CREATE INDEX menus_system_idx ON menus (system_id, sort_order, id);

CREATE TABLE roles (
    id                  INTEGER PRIMARY KEY,
    system_id           BIGINT NOT NULL REFERENCES systems (id),
    code                TEXT NOT NULL,
    name                TEXT NOT NULL,
    description         TEXT NOT NULL DEFAULT '',
    requestable_by      TEXT NOT NULL DEFAULT '', -- comma-separated institution kinds
    approver_kind       TEXT NOT NULL DEFAULT '',
    approver_role_id    BIGINT REFERENCES roles (id),
    needs_personal_cert INTEGER NOT NULL DEFAULT 0,
    grant_lifetime_us   BIGINT NOT NULL DEFAULT 0,
    admin               INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    retired_at          BIGINT,
    CONSTRAINT roles_system_code_key UNIQUE (system_id, code)
);

CREATE TABLE role_requests (
    id                      INTEGER PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id),
    role_id                 BIGINT NOT NULL REFERENCES roles (id),
    approver_institution_id BIGINT NOT NULL REFERENCES institutions (id),
    status                  TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'cancelled', 'expired')),
    justification           TEXT NOT NULL DEFAULT '',
    reason                  TEXT NOT NULL DEFAULT '',
    created_at              BIGINT NOT NULL,
    decided_at              BIGINT,
    decider_id              BIGINT REFERENCES users (id),
    reminded_at             BIGINT,
    escalated_at            BIGINT
);
-- At most one pending request per user and role.
CREATE UNIQUE INDEX role_requests_pending_key ON role_requests (user_id, role_id) WHERE status = 'pending';
-- The approver's inbox.
CREATE INDEX role_requests_inbox_idx ON role_requests (approver_institution_id, status, created_at, id);
CREATE INDEX role_requests_user_idx ON role_requests (user_id, created_at, id);
CREATE INDEX role_requests_status_idx ON role_requests (status, created_at, id);

CREATE TABLE role_grants (
    id            INTEGER PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id),
    role_id       BIGINT NOT NULL REFERENCES roles (id),
    request_id    BIGINT REFERENCES role_requests (id),
    granted_at    BIGINT NOT NULL,
    granted_by    BIGINT REFERENCES users (id),
    expires_at    BIGINT,
    revoked_at    BIGINT,
    revoked_by    BIGINT REFERENCES users (id),
    revoke_reason TEXT NOT NULL DEFAULT ''
);
-- At most one active (not revoked) grant per user and role.
CREATE UNIQUE INDEX role_grants_active_key ON role_grants (user_id, role_id) WHERE revoked_at IS NULL;
CREATE INDEX role_grants_role_idx ON role_grants (role_id, granted_at);

CREATE TABLE consent_versions (
    version    INTEGER PRIMARY KEY,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audit_events (
    seq         BIGINT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0, -- no foreign key: the log outlives everything
    actor       TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL DEFAULT '',
    target_id   TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    prev_hash   BLOB NOT NULL,
    hash        BLOB NOT NULL
);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, seq);
CREATE INDEX audit_events_action_idx ON audit_events (action, seq);
CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, seq);
CREATE INDEX audit_events_at_idx ON audit_events (at);

-- The chain head: the last event's seq and hash. AppendAudit locks and
-- updates this single row in the same transaction as its insert, which
-- serialises appenders, also across processes.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, X'');

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id),
    csrf_token   TEXT NOT NULL,
    cert_id      BIGINT REFERENCES certificates (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    client_addr  TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE challenges (
    nonce      TEXT PRIMARY KEY,
    purpose    TEXT NOT NULL,
    origin     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX challenges_expires_idx ON challenges (expires_at);

-- +goose Down
DROP TABLE challenges;
DROP TABLE sessions;
DROP TABLE audit_head;
DROP TABLE audit_events;
DROP TABLE consent_versions;
DROP TABLE role_grants;
DROP TABLE role_requests;
DROP TABLE roles;
DROP TABLE menus;
DROP TABLE systems;
DROP TABLE certificates;
DROP TABLE users;
DROP TABLE institutions;
