-- +goose Up
-- The personal-data access log (개인정보 열람 기록): every time an approver
-- or administrator opens a user's personal data, who (actor_id), whose
-- (subject_id, and the subject's institution at the time, so a province
-- administrator can see the entries of their province), when (at) and why
-- (purpose, the reason the viewer stated). Rows are only ever inserted.
-- Keep in step with ../postgres/00005_admin.sql.
CREATE TABLE personal_data_access (
    id                     INTEGER PRIMARY KEY,
    at                     BIGINT NOT NULL,
    actor_id               BIGINT NOT NULL REFERENCES users (id),
    subject_id             BIGINT NOT NULL REFERENCES users (id),
    subject_institution_id BIGINT REFERENCES institutions (id),
    purpose                TEXT NOT NULL,
    client_addr            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX personal_data_access_at_idx ON personal_data_access (at, id);
CREATE INDEX personal_data_access_actor_idx ON personal_data_access (actor_id, at);
CREATE INDEX personal_data_access_subject_idx ON personal_data_access (subject_id, at);
CREATE INDEX personal_data_access_inst_idx ON personal_data_access (subject_institution_id, at);

-- The admin console sorts users by these too, also at a million users.
CREATE INDEX users_created_idx ON users (created_at, id);
CREATE INDEX users_last_login_idx ON users (last_login_at, id);

-- +goose Down
DROP INDEX users_last_login_idx;
DROP INDEX users_created_idx;
DROP TABLE personal_data_access;
