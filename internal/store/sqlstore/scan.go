package sqlstore

import (
	"fmt"
	"strings"
	"time"
)

// Times are stored as BIGINT Unix microseconds UTC; NULL is the zero time.

// tv returns the column value for t: nil for the zero time, else its Unix
// microseconds.
func tv(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

// norm returns t as it comes back from the database: UTC, truncated to
// the microsecond; the zero time stays zero.
func norm(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return time.UnixMicro(t.UnixMicro()).UTC()
}

// nowOr returns norm(t), or the current time when t is zero.
func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		t = time.Now()
	}
	return norm(t)
}

// timeCol scans a nullable time column.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(x).UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", v)
	}
	return nil
}

// idv returns the column value for a reference: nil for zero.
func idv(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// idCol scans a nullable reference column; NULL becomes zero.
type idCol struct{ id *int64 }

func (c idCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.id = 0
	case int64:
		*c.id = x
	default:
		return fmt.Errorf("id column: unexpected %T", v)
	}
	return nil
}

// bytesCol scans a BLOB/BYTEA column; empty and NULL become nil.
type bytesCol struct{ b *[]byte }

func (c bytesCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.b = nil
	case []byte:
		if len(x) == 0 {
			*c.b = nil
		} else {
			*c.b = append([]byte(nil), x...)
		}
	case string: // SQLite may hand back text for a blob written as text
		*c.b = []byte(x)
	default:
		return fmt.Errorf("bytes column: unexpected %T", v)
	}
	return nil
}

// likeArg returns a LIKE pattern matching s anywhere, lower-cased, with
// the wildcard characters escaped for ESCAPE '\'.
func likeArg(s string) string {
	return "%" + likeEscaper.Replace(strings.ToLower(s)) + "%"
}

// prefixArg returns a LIKE pattern matching strings that start with s.
func prefixArg(s string) string {
	return likeEscaper.Replace(s) + "%"
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// where accumulates the conditions and arguments of a filtered query,
// numbering placeholders $1, $2, … in order.
type where struct {
	conds []string
	args  []any
	// perValue is set by conditions whose best plan depends on the
	// argument's value; see queries.valuePlan.
	perValue bool
}

// add appends a condition; each "?" in cond becomes the next placeholder,
// bound to the next of args.
func (w *where) add(cond string, args ...any) {
	var b strings.Builder
	i := 0
	for _, r := range cond {
		if r == '?' && i < len(args) {
			w.args = append(w.args, args[i])
			i++
			fmt.Fprintf(&b, "$%d", len(w.args))
			continue
		}
		b.WriteRune(r)
	}
	w.conds = append(w.conds, b.String())
}

// in appends "col IN (…)" for ids; an empty ids matches nothing.
func (w *where) in(col string, ids []int64) {
	if len(ids) == 0 {
		w.conds = append(w.conds, "1 = 0")
		return
	}
	marks := strings.Repeat("?, ", len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	w.add(col+" IN ("+marks[:len(marks)-2]+")", args...)
}

// under appends the condition that col is the institution id or one below
// it (the closure table of migration 00018). How many institutions that is
// ranges from one to nearly all, so the statement is planned for the value.
func (w *where) under(col string, id int64) {
	w.add(col+" IN ("+subtreeOf+")", id)
	w.perValue = true
}

// subtreeOf selects the institution ? and those below it.
const subtreeOf = "SELECT descendant_id FROM institution_tree WHERE ancestor_id = ?"

// instMatch is true of an institution whose name or code contains the
// LIKE pattern given twice (likeArg).
const instMatch = `(lower(name) LIKE ? ESCAPE '\' OR lower(code) LIKE ? ESCAPE '\')`

// sql returns " WHERE …" or "".
func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// page returns " LIMIT $n OFFSET $m" with the arguments appended.
func (w *where) page(offset, limit int) string {
	w.args = append(w.args, limit, offset)
	return fmt.Sprintf(" LIMIT $%d OFFSET $%d", len(w.args)-1, len(w.args))
}
