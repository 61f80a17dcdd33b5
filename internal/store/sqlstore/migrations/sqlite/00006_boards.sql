-- +goose Up
-- Boards (게시판): posts of a system's boards (notice = 공지사항,
-- program = 프로그램/매뉴얼) or, with a NULL system_id, of the portal's
-- notices board; and their attachments, stored in the database (data) so
-- that every process serving the portal sees the same files. Posts are
-- deleted softly (deleted_at); attachments go with their post.
-- Keep in step with ../postgres/00006_boards.sql.
CREATE TABLE board_posts (
    id         INTEGER PRIMARY KEY,
    system_id  BIGINT REFERENCES systems (id),
    board      TEXT NOT NULL CHECK (board IN ('notice', 'program')),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL DEFAULT '',
    author_id  BIGINT NOT NULL REFERENCES users (id),
    pinned     INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    deleted_at BIGINT
);
-- A board's page: pinned first, newest first.
CREATE INDEX board_posts_list_idx ON board_posts (system_id, board, pinned, created_at, id);

CREATE TABLE board_attachments (
    id           INTEGER PRIMARY KEY,
    post_id      BIGINT NOT NULL REFERENCES board_posts (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       BLOB NOT NULL,
    data         BLOB NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX board_attachments_post_idx ON board_attachments (post_id, id);

-- +goose Down
DROP TABLE board_attachments;
DROP TABLE board_posts;
