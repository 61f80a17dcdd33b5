package sqlstore

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ---- Boards (게시판) ----

const postCols = "id, system_id, board, title, body, author_id, pinned, created_at, updated_at, deleted_at"

func scanPost(sc scanner) (domain.Post, error) {
	var p domain.Post
	var board string
	err := sc.Scan(&p.ID, idCol{&p.SystemID}, &board, &p.Title, &p.Body, &p.AuthorID, &p.Pinned,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, timeCol{&p.DeletedAt})
	p.Board = domain.BoardKind(board)
	return p, err
}

func validPost(p *domain.Post) error {
	if !p.Board.Valid() {
		return domain.Errorf(domain.EINVALID, "unknown board %q", p.Board)
	}
	if p.Title == "" {
		return domain.Errorf(domain.EINVALID, "a post needs a title")
	}
	return nil
}

// CreatePost inserts a post; SystemID zero puts it on the portal board.
func (q *queries) CreatePost(ctx context.Context, p *domain.Post) error {
	if err := validPost(p); err != nil {
		return err
	}
	p.CreatedAt = nowOr(p.CreatedAt)
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	p.UpdatedAt, p.DeletedAt = norm(p.UpdatedAt), time.Time{}
	err := q.row(ctx, `INSERT INTO board_posts (system_id, board, title, body, author_id, pinned, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		idv(p.SystemID), string(p.Board), p.Title, p.Body, p.AuthorID, p.Pinned, tv(p.CreatedAt), tv(p.UpdatedAt)).Scan(&p.ID)
	if err != nil {
		return fmt.Errorf("create post: %w", mapErr(err))
	}
	return nil
}

// UpdatePost saves a live post's title, body and pinned flag (its board
// and author stay) and stamps UpdatedAt.
func (q *queries) UpdatePost(ctx context.Context, p *domain.Post) error {
	if p.Title == "" {
		return domain.Errorf(domain.EINVALID, "a post needs a title")
	}
	p.UpdatedAt = nowOr(p.UpdatedAt)
	n, err := q.exec(ctx, `UPDATE board_posts SET title = $2, body = $3, pinned = $4, updated_at = $5
		WHERE id = $1 AND deleted_at IS NULL`, p.ID, p.Title, p.Body, p.Pinned, tv(p.UpdatedAt))
	if err != nil {
		return fmt.Errorf("update post %d: %w", p.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("update post %d: %w", p.ID, store.ErrNotFound)
	}
	return nil
}

// DeletePost marks a live post deleted at t and removes its attachments.
func (q *queries) DeletePost(ctx context.Context, id int64, t time.Time) error {
	return q.atomically(ctx, func(q *queries) error {
		n, err := q.exec(ctx, "UPDATE board_posts SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL", id, tv(nowOr(t)))
		if err != nil {
			return fmt.Errorf("delete post %d: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("delete post %d: %w", id, store.ErrNotFound)
		}
		if _, err := q.exec(ctx, "DELETE FROM board_attachments WHERE post_id = $1", id); err != nil {
			return fmt.Errorf("delete post %d: %w", id, err)
		}
		return nil
	})
}

// GetPost returns a live post with its attachment count.
func (q *queries) GetPost(ctx context.Context, id int64) (domain.Post, error) {
	p, err := scanPost(q.row(ctx, "SELECT "+postCols+" FROM board_posts WHERE id = $1 AND deleted_at IS NULL", id))
	if err != nil {
		return p, notFound(err, "post %d", id)
	}
	if p.Attachments, err = q.count(ctx, "SELECT COUNT(*) FROM board_attachments WHERE post_id = $1", id); err != nil {
		return p, fmt.Errorf("post %d: %w", id, err)
	}
	return p, nil
}

// ListPosts returns a page of a board's live posts, pinned first and then
// newest first, each with its attachment count, and how many match.
func (q *queries) ListPosts(ctx context.Context, f domain.PostFilter) ([]domain.Post, int, error) {
	var w where
	if f.SystemID == 0 {
		w.add("system_id IS NULL")
	} else {
		w.add("system_id = ?", f.SystemID)
	}
	w.add("board = ?", string(f.Board))
	w.add("deleted_at IS NULL")
	if f.Query != "" {
		w.add(`lower(title) LIKE ? ESCAPE '\'`, likeArg(f.Query))
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM board_posts"+w.sql(), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list posts: %w", err)
	}
	off, lim := store.Page{Offset: f.Offset, Limit: f.Limit}.Window()
	query := "SELECT " + postCols + ", (SELECT COUNT(*) FROM board_attachments a WHERE a.post_id = board_posts.id) FROM board_posts" +
		w.sql() + " ORDER BY pinned DESC, created_at DESC, id DESC" + w.page(off, lim)
	out, err := list(ctx, q, func(sc scanner) (domain.Post, error) {
		var p domain.Post
		var board string
		err := sc.Scan(&p.ID, idCol{&p.SystemID}, &board, &p.Title, &p.Body, &p.AuthorID, &p.Pinned,
			timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt}, timeCol{&p.DeletedAt}, &p.Attachments)
		p.Board = domain.BoardKind(board)
		return p, err
	}, query, w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list posts: %w", err)
	}
	return out, total, nil
}

const attachmentCols = "id, post_id, name, content_type, size, sha256, created_at"

func scanAttachment(sc scanner) (domain.Attachment, error) {
	var a domain.Attachment
	err := sc.Scan(&a.ID, &a.PostID, &a.Name, &a.ContentType, &a.Size, bytesCol{&a.SHA256}, timeCol{&a.CreatedAt})
	return a, err
}

// AddAttachment stores a file of a live post, setting ID, Size and SHA256
// from Data.
func (q *queries) AddAttachment(ctx context.Context, a *domain.Attachment) error {
	if a.Name == "" || a.ContentType == "" {
		return domain.Errorf(domain.EINVALID, "an attachment needs a name and a content type")
	}
	sum := sha256.Sum256(a.Data)
	a.SHA256, a.Size = sum[:], int64(len(a.Data))
	a.CreatedAt = nowOr(a.CreatedAt)
	data := a.Data
	if data == nil {
		data = []byte{}
	}
	return q.atomically(ctx, func(q *queries) error {
		n, err := q.count(ctx, "SELECT COUNT(*) FROM board_posts WHERE id = $1 AND deleted_at IS NULL", a.PostID)
		if err != nil {
			return fmt.Errorf("add attachment: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("add attachment: post %d: %w", a.PostID, store.ErrNotFound)
		}
		err = q.row(ctx, `INSERT INTO board_attachments (post_id, name, content_type, size, sha256, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			a.PostID, a.Name, a.ContentType, a.Size, a.SHA256, data, tv(a.CreatedAt)).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("add attachment: %w", mapErr(err))
		}
		return nil
	})
}

// ListAttachments returns a post's attachments, without their data, in
// upload order.
func (q *queries) ListAttachments(ctx context.Context, postID int64) ([]domain.Attachment, error) {
	out, err := list(ctx, q, scanAttachment, "SELECT "+attachmentCols+" FROM board_attachments WHERE post_id = $1 ORDER BY id", postID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of post %d: %w", postID, err)
	}
	return out, nil
}

// GetAttachment returns an attachment with its data.
func (q *queries) GetAttachment(ctx context.Context, id int64) (domain.Attachment, error) {
	var a domain.Attachment
	err := q.row(ctx, "SELECT "+attachmentCols+", data FROM board_attachments WHERE id = $1", id).Scan(
		&a.ID, &a.PostID, &a.Name, &a.ContentType, &a.Size, bytesCol{&a.SHA256}, timeCol{&a.CreatedAt}, bytesCol{&a.Data})
	if err != nil {
		return a, notFound(err, "attachment %d", id)
	}
	return a, nil
}

// DeleteAttachment removes one attachment.
func (q *queries) DeleteAttachment(ctx context.Context, id int64) error {
	n, err := q.exec(ctx, "DELETE FROM board_attachments WHERE id = $1", id)
	if err != nil {
		return fmt.Errorf("delete attachment %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("delete attachment %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// ---- Consent versions (administration) ----

// ListConsentVersions returns a page of the consent texts, newest first,
// and how many there are.
func (q *queries) ListConsentVersions(ctx context.Context, p store.Page) ([]domain.ConsentVersion, int, error) {
	total, err := q.count(ctx, "SELECT COUNT(*) FROM consent_versions")
	if err != nil {
		return nil, 0, fmt.Errorf("list consent versions: %w", err)
	}
	off, lim := p.Window()
	out, err := list(ctx, q, func(sc scanner) (domain.ConsentVersion, error) {
		var c domain.ConsentVersion
		err := sc.Scan(&c.Version, &c.Text, timeCol{&c.CreatedAt})
		return c, err
	}, "SELECT version, text, created_at FROM consent_versions ORDER BY version DESC LIMIT $1 OFFSET $2", lim, off)
	if err != nil {
		return nil, 0, fmt.Errorf("list consent versions: %w", err)
	}
	return out, total, nil
}
