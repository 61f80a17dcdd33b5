package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The admin console's queries: the personal-data access log, user search
// within an institution subtree, institution counts, the audit log newest
// first.

const pdaCols = "id, at, actor_id, subject_id, subject_institution_id, purpose, client_addr"

func scanPDA(sc scanner) (domain.PersonalDataAccess, error) {
	var a domain.PersonalDataAccess
	err := sc.Scan(&a.ID, timeCol{&a.At}, &a.ActorID, &a.SubjectID, idCol{&a.SubjectInstitutionID}, &a.Purpose, &a.ClientAddr)
	return a, err
}

// MaxPurpose is the longest stated reason of a personal-data access, in
// bytes.
const MaxPurpose = 1000

// LogPersonalDataAccess appends an entry to the personal-data access log.
// At defaults to now; Purpose must not be blank.
func (q *queries) LogPersonalDataAccess(ctx context.Context, a *domain.PersonalDataAccess) error {
	a.Purpose = strings.TrimSpace(a.Purpose)
	if a.Purpose == "" || len(a.Purpose) > MaxPurpose {
		return domain.Errorf(domain.EINVALID, "personal-data access needs a purpose of at most %d bytes", MaxPurpose)
	}
	a.At = nowOr(a.At)
	err := q.row(ctx, `INSERT INTO personal_data_access (at, actor_id, subject_id, subject_institution_id, purpose, client_addr)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		tv(a.At), a.ActorID, a.SubjectID, idv(a.SubjectInstitutionID), a.Purpose, a.ClientAddr).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("log personal-data access to user %d: %w", a.SubjectID, mapErr(err))
	}
	return nil
}

// ListPersonalDataAccess returns matching entries, newest first, and how
// many match in all.
func (q *queries) ListPersonalDataAccess(ctx context.Context, f domain.PersonalDataAccessFilter) ([]domain.PersonalDataAccess, int, error) {
	var w where
	if f.ActorID != 0 {
		w.add("actor_id = ?", f.ActorID)
	}
	if f.SubjectID != 0 {
		w.add("subject_id = ?", f.SubjectID)
	}
	if f.UnderInstitutionID != 0 {
		w.under("subject_institution_id", f.UnderInstitutionID)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", f.From.UnixMicro())
	}
	if !f.To.IsZero() {
		w.add("at < ?", f.To.UnixMicro())
	}
	total, err := q.count(ctx, "SELECT COUNT(*) FROM personal_data_access"+w.sql(), q.valuePlan(w.perValue, w.args)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list personal-data access: %w", err)
	}
	off, lim := store.Page{Offset: f.Offset, Limit: f.Limit}.Window()
	query := "SELECT " + pdaCols + " FROM personal_data_access" + w.sql() + " ORDER BY at DESC, id DESC" + w.page(off, lim)
	out, err := list(ctx, q, scanPDA, query, q.valuePlan(w.perValue, w.args)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list personal-data access: %w", err)
	}
	return out, total, nil
}

// userSorts maps UserSearch.Sort to ORDER BY columns; every order ends in
// id, so that pages never overlap.
var userSorts = map[string][]string{
	"name":          {"name", "login_id", "id"},
	"login_id":      {"login_id", "id"},
	"created_at":    {"created_at", "id"},
	"last_login_at": {"last_login_at", "id"},
	"status":        {"status", "name", "id"},
}

// SearchUsers returns the matching users in the chosen order and how many
// match in all, counted up to domain.UserCountCap: when more match, total
// is UserCountCap and capped is true. An unknown sort key is an EINVALID
// error.
func (q *queries) SearchUsers(ctx context.Context, f domain.UserSearch) (users []domain.User, total int, capped bool, err error) {
	if f.Sort == "" {
		f.Sort = "name"
	}
	cols, ok := userSorts[f.Sort]
	if !ok || !slices.Contains(domain.UserSortKeys, f.Sort) {
		return nil, 0, false, domain.Errorf(domain.EINVALID, "unknown sort order %q", f.Sort)
	}
	// filters adds the conditions other than Query.
	filters := func(w *where) {
		if f.InstitutionQuery != "" {
			p := likeArg(f.InstitutionQuery)
			w.add("institution_id IN (SELECT id FROM institutions WHERE "+instMatch+")", p, p)
			// One institution or nearly all: planned for the pattern
			// (migration 00020 gives the statistics).
			w.perValue = true
		}
		if f.InstitutionID != 0 {
			w.add("institution_id = ?", f.InstitutionID)
		}
		if f.UnderInstitutionID != 0 {
			w.under("institution_id", f.UnderInstitutionID)
		}
		if f.Status != "" {
			w.add("status = ?", string(f.Status))
		}
		if f.CertSerial != "" {
			w.add("EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = users.id AND c.serial = ?)", strings.ToLower(strings.TrimSpace(f.CertSerial)))
		}
	}
	dir := ""
	if f.Desc {
		dir = " DESC"
	}
	order := make([]string, len(cols))
	for i, c := range cols {
		order[i] = c + dir
		if c == "last_login_at" {
			// Never logged in counts as longest ago: first when oldest
			// first, last when newest first. Both are scans of one index
			// (migration 00019), and SQLite's own NULL order.
			if f.Desc {
				order[i] += " NULLS LAST"
			} else {
				order[i] += " NULLS FIRST"
			}
		}
	}
	orderBy := " ORDER BY " + strings.Join(order, ", ")
	off, lim := store.Page{Offset: f.Offset, Limit: f.Limit}.Window()

	branches := shortQueryBranches(f.Query)
	var other where
	filters(&other)
	var countQuery, pageQuery string
	var countArgs, pageArgs []any
	if branches == nil || len(other.conds) > 0 || f.Sort != "name" {
		// One condition: a long query, or a short one with other filters
		// or in another order, said as before migration 00017 (the
		// prefix ranges of 00013: a BitmapOr, filtered, then sorted).
		// The branches below, or their equalities in one condition,
		// changed the plans of the searches within an institution
		// subtree, whose size the planner misjudges (in the generated
		// data, q=김 within 서울특별시, 800 000 users: 0.17 s before,
		// 5.8 s with the equalities).
		var w where
		if f.Query != "" {
			q.userQueryCond(&w, f.Query)
		}
		filters(&w)
		// Count at most one beyond the cap: an exact total reads every match.
		countArgs = append(slices.Clone(w.args), domain.UserCountCap+1)
		countQuery = fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM users%s LIMIT $%d) m", w.sql(), len(countArgs))
		pageQuery = "SELECT " + userCols + " FROM users" + w.sql() + orderBy + w.page(off, lim)
		pageArgs = w.args
	} else {
		// A short query alone, in name order: three prefix conditions,
		// each the leading key of an index of migration 00017 (the key
		// is the first one or two characters; name, login_id, id
		// follow), read as branches. A user can match more than one.
		// from returns " FROM users WHERE <branch> AND NOT <not…>" with
		// its arguments appended to args.
		lq := strings.ToLower(f.Query)
		from := func(args []any, branch string, not ...string) (string, []any) {
			w := where{args: args}
			w.add(branch, lq)
			for _, n := range not {
				w.add("NOT ("+n+")", lq)
			}
			return " FROM users" + w.sql(), w.args
		}
		// Count: if a branch alone has more than the cap (at most cap+1
		// entries of it, an index only scan), so has the search; else the
		// union of the branches is exact. CASE and OR evaluate the
		// subqueries in order and only as far as needed. A branch's
		// ORDER BY is the prefix index's own order: it keeps PostgreSQL
		// on that index when nearly every user matches (q=ge in the
		// generated data: it read users_login_id_key instead, computing
		// lower(login_id) for each entry, 8.9 ms instead of 4.5). The
		// union's branches have at most cap entries when it runs; their
		// LIMIT only keeps the planner's estimate small (unbounded, q=ge
		// was costed as sorting a million ids, and PostgreSQL
		// JIT-compiled the statement: 25 ms instead of 6).
		var over, union []string
		for _, b := range branches {
			var fromSQL string
			fromSQL, countArgs = from(countArgs, b)
			countArgs = append(countArgs, domain.UserCountCap+1)
			over = append(over, fmt.Sprintf("(SELECT COUNT(*) FROM (SELECT 1%s%s LIMIT $%d) c) > %d", fromSQL, orderBy, len(countArgs), domain.UserCountCap))
		}
		for i, b := range branches {
			var fromSQL string
			fromSQL, countArgs = from(countArgs, b)
			countArgs = append(countArgs, domain.UserCountCap+1)
			union = append(union, fmt.Sprintf("SELECT id FROM (SELECT id%s LIMIT $%d) b%d", fromSQL, len(countArgs), i))
		}
		countQuery = fmt.Sprintf("SELECT CASE WHEN %s THEN %d ELSE (SELECT COUNT(*) FROM (%s) u) END",
			strings.Join(over, " OR "), domain.UserCountCap+1, strings.Join(union, " UNION "))
		// Page: the first offset+limit users of each branch in name
		// order (the index's own order, no sort: an index only scan),
		// each branch without the users of the branches before it,
		// merged (PostgreSQL: Merge Append, which reads only as far as
		// the page); the page is the window of that, then its users are
		// read. The first offset+limit users of the search are among the
		// branches' first offset+limit.
		var parts []string
		for i, b := range branches {
			var fromSQL string
			fromSQL, pageArgs = from(pageArgs, b, branches[:i]...)
			pageArgs = append(pageArgs, off+lim)
			parts = append(parts, fmt.Sprintf("SELECT id, name, login_id FROM (SELECT id, name, login_id%s%s LIMIT $%d) b%d",
				fromSQL, orderBy, len(pageArgs), i))
		}
		w := where{args: pageArgs}
		pageQuery = "SELECT " + userCols + " FROM users WHERE id IN (SELECT id FROM (" + strings.Join(parts, " UNION ALL ") + ") m" +
			orderBy + w.page(off, lim) + ")" + orderBy
		pageArgs = w.args
	}

	total, err = q.count(ctx, countQuery, q.valuePlan(other.perValue, countArgs)...)
	if err != nil {
		return nil, 0, false, fmt.Errorf("search users: %w", err)
	}
	if total > domain.UserCountCap {
		total, capped = domain.UserCountCap, true
	}
	users, err = list(ctx, q, scanUser, pageQuery, q.valuePlan(other.perValue, pageArgs)...)
	if err != nil {
		return nil, 0, false, fmt.Errorf("search users: %w", err)
	}
	return users, total, capped, nil
}

// userQueryCond adds the condition of UserSearch.Query to w. Up to
// domain.ShortQuery characters it is a prefix of the lower-cased name, of
// the name without its first character (the given name) or of the login
// ID, each said as a range so that the expression indexes of migration
// 00013 answer it on both dialects (PostgreSQL compares in collation "C",
// byte order, as the indexes do; SQLite's default BINARY is the same).
// Longer queries are substrings (PostgreSQL: trigram indexes, 00009).
// SearchUsers says a short query alone, in name order, with
// shortQueryBranches instead.
func (q *queries) userQueryCond(w *where, query string) {
	lq := strings.ToLower(query)
	if utf8.RuneCountInString(lq) > domain.ShortQuery {
		p := likeArg(query)
		w.add(`(lower(name) LIKE ? ESCAPE '\' OR lower(login_id) LIKE ? ESCAPE '\')`, p, p)
		return
	}
	coll := ""
	if q.s.dialect == Postgres {
		coll = ` COLLATE "C"`
	}
	// Every string starting with lq sorts at or after lq and before lq
	// followed by the highest code point.
	lo, hi := lq, lq+string(utf8.MaxRune)
	var conds []string
	var args []any
	for _, e := range []string{"lower(name)", "substr(lower(name), 2)", "lower(login_id)"} {
		conds = append(conds, "("+e+coll+" >= ? AND "+e+coll+" < ?)")
		args = append(args, lo, hi)
	}
	w.add("("+strings.Join(conds, " OR ")+")", args...)
}

// shortQueryBranches returns the conditions of UserSearch.Query when it
// has at most domain.ShortQuery characters, each with one "?" for the
// lower-cased query; nil for a longer (or empty) query, which matches
// anywhere in the name or login ID (PostgreSQL: trigram indexes, 00009).
//
// A short query matches the start of the lower-cased name, of the name
// without its first character (the given name) or of the lower-cased login
// ID. Each is said as an equality on the first k characters, k the
// query's length, so that the expression indexes of migration 00017,
// (prefix, name, login_id, id), answer it on both dialects and hand back
// the matches already in name order.
func shortQueryBranches(query string) []string {
	k := utf8.RuneCountInString(strings.ToLower(query))
	if k == 0 || k > domain.ShortQuery {
		return nil
	}
	return []string{
		fmt.Sprintf("substr(lower(name), 1, %d) = ?", k),
		fmt.Sprintf("substr(lower(name), 2, %d) = ?", k),
		fmt.Sprintf("substr(lower(login_id), 1, %d) = ?", k),
	}
}

// InstitutionStats counts the direct children and the users of each of
// ids, in two grouped queries.
func (q *queries) InstitutionStats(ctx context.Context, ids []int64) (map[int64]domain.InstitutionStats, error) {
	out := make(map[int64]domain.InstitutionStats, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	for _, part := range []struct {
		col, table string
		set        func(s *domain.InstitutionStats, n int)
	}{
		{"parent_id", "institutions", func(s *domain.InstitutionStats, n int) { s.Children = n }},
		{"institution_id", "users", func(s *domain.InstitutionStats, n int) { s.Users = n }},
	} {
		for chunk := range slices.Chunk(ids, 500) {
			var w where
			w.in(part.col, chunk)
			rows, err := q.db.QueryContext(ctx, "SELECT "+part.col+", COUNT(*) FROM "+part.table+w.sql()+" GROUP BY "+part.col, w.args...)
			if err != nil {
				return nil, fmt.Errorf("institution stats: %w", err)
			}
			for rows.Next() {
				var id int64
				var n int
				if err := rows.Scan(&id, &n); err != nil {
					rows.Close()
					return nil, fmt.Errorf("institution stats: %w", err)
				}
				s := out[id]
				part.set(&s, n)
				out[id] = s
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("institution stats: %w", err)
			}
		}
	}
	return out, nil
}

// ListAuditDesc is ListAudit newest first: the same filter, sequence
// numbers descending (AfterSeq still selects events after it).
func (q *queries) ListAuditDesc(ctx context.Context, f store.AuditFilter) ([]domain.AuditEvent, error) {
	if !f.From.IsZero() || !f.To.IsZero() {
		// Events are appended in time order, so this is the same order;
		// said this way, PostgreSQL walks the time index of the range
		// instead of the whole log (0.3 ms instead of 200–700 ms at five
		// million events, docs/performance.md).
		return q.listAudit(ctx, f, " ORDER BY at DESC, seq DESC")
	}
	return q.listAudit(ctx, f, " ORDER BY seq DESC")
}
