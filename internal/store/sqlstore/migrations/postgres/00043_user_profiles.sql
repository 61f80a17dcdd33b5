-- +goose Up
-- Department (부서) and position (직책), optional (issue 18). A row only
-- for users who gave either; deleted on withdrawal (EraseUserData).
-- Keep in step with ../sqlite/00043_user_profiles.sql.
CREATE TABLE user_profiles (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id),
    department TEXT NOT NULL DEFAULT '',
    position   TEXT NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE user_profiles;
