package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Existing says what Apply does with a row whose code is already in the
// store.
type Existing int

// What to do with a code that already exists.
const (
	ExistingError  Existing = iota // the row is an error (the default)
	ExistingUpdate                 // update the institution from the row (kind must not change)
	ExistingSkip                   // leave the institution as it is (used by idempotent seeding)
)

// Options tune an import.
type Options struct {
	Existing Existing
	// Now stamps created and updated institutions; zero means time.Now().
	Now time.Time
}

// Counts says what an import did.
type Counts struct {
	Created, Updated, Skipped int
}

// Institutions imports the CSV file r into st in one transaction and
// returns how many institutions it created. An existing code is an error.
// If any row is bad the error is an *Error listing them, and nothing is
// imported.
func Institutions(ctx context.Context, st store.Store, r io.Reader) (n int, err error) {
	c, err := InstitutionsWith(ctx, st, r, Options{})
	return c.Created, err
}

// InstitutionsWith is Institutions with options; with ExistingUpdate a row
// whose code exists updates that institution.
func InstitutionsWith(ctx context.Context, st store.Store, r io.Reader, opt Options) (Counts, error) {
	rows, err := Parse(r)
	if err != nil {
		return Counts{}, err
	}
	var c Counts
	err = st.InTx(ctx, func(q store.Queries) error {
		var err error
		c, err = Apply(ctx, q, rows, opt)
		return err
	})
	if err != nil {
		return Counts{}, err
	}
	return c, nil
}

// Apply writes parsed rows through q, checking each against the store: a
// parent must exist (in the store or in an earlier row) and be of the kind
// the row's kind requires (medical → health_centre → province → national;
// other → any), a province region code must match the first two digits of
// its children's, and an existing code is handled as opt says. It checks
// every row; when any is bad it returns an *Error, and the caller must
// roll back (run it inside InTx).
func Apply(ctx context.Context, q store.Queries, rows []Row, opt Options) (Counts, error) {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	var (
		c      Counts
		errs   errorList
		known  = map[string]domain.Institution{} // code → institution, from earlier rows or the store
		badRow = map[string]int{}                // code → line of a bad row
	)
	lookup := func(code string) (domain.Institution, bool, error) {
		if in, ok := known[code]; ok {
			return in, true, nil
		}
		in, err := q.GetInstitutionByCode(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			return domain.Institution{}, false, nil
		} else if err != nil {
			return domain.Institution{}, false, fmt.Errorf("look up institution %q: %w", code, err)
		}
		known[code] = in
		return in, true, nil
	}
	for _, row := range rows {
		bad := false
		fail := func(format string, args ...any) {
			errs.add(row.Line, format, args...)
			bad = true
		}
		var parent domain.Institution
		if row.ParentCode != "" {
			p, ok, err := lookup(row.ParentCode)
			switch {
			case err != nil:
				return Counts{}, err
			case !ok && badRow[row.ParentCode] > 0:
				fail("상위기관 %q의 행(%d행)에 오류가 있습니다", row.ParentCode, badRow[row.ParentCode])
			case !ok:
				fail("상위기관 %q이(가) 없습니다 (등록된 기관이거나 파일의 앞쪽 행이어야 합니다)", row.ParentCode)
			default:
				parent = p
				if want := parentKind(row.Kind); want != "" && p.Kind != want {
					fail("%s의 상위기관은 %s여야 하는데 %q은(는) %s입니다", row.Kind.Label(), want.Label(), p.Name, p.Kind.Label())
				}
				if len(row.RegionCode) >= 2 && len(p.RegionCode) >= 2 && row.RegionCode[:2] != p.RegionCode[:2] {
					fail("지역코드 %s의 시도(%s)가 상위기관 %q의 지역코드 %s와 다릅니다", row.RegionCode, row.RegionCode[:2], p.Name, p.RegionCode)
				}
			}
		}
		existing, exists, err := lookup(row.Code)
		if err != nil {
			return Counts{}, err
		}
		in := domain.Institution{
			Code:       row.Code,
			Name:       row.Name,
			Kind:       row.Kind,
			ParentID:   parent.ID,
			RegionCode: row.RegionCode,
			Address:    row.Address,
			Phone:      row.Phone,
			CreatedAt:  now,
			UpdatedAt:  now,
		}
		if exists {
			switch opt.Existing {
			case ExistingSkip:
				if !bad {
					c.Skipped++
				}
				continue
			case ExistingUpdate:
				if existing.Kind != row.Kind {
					fail("기관코드 %q은(는) 이미 %s(으)로 등록되어 있어 구분을 %s(으)로 바꿀 수 없습니다", row.Code, existing.Kind.Label(), row.Kind.Label())
				}
				if parent.ID == existing.ID && existing.ID != 0 {
					fail("상위기관이 자기 자신입니다")
				}
			default:
				fail("기관코드 %q은(는) 이미 등록되어 있습니다 (%s); 갱신하려면 --update를 쓰세요", row.Code, existing.Name)
			}
		}
		if bad {
			badRow[row.Code] = row.Line
			continue
		}
		if errs.err() != nil {
			// The file will be rolled back; keep checking the remaining
			// rows against what they would have found, without writing.
			if exists {
				in.ID = existing.ID
			}
			known[row.Code] = in
			continue
		}
		if exists {
			in.ID = existing.ID
			in.CreatedAt = existing.CreatedAt
			in.RetiredAt = existing.RetiredAt
			if err := q.UpdateInstitution(ctx, &in); err != nil {
				return Counts{}, fmt.Errorf("%d행: update institution %q: %w", row.Line, row.Code, err)
			}
			c.Updated++
		} else {
			if err := q.CreateInstitution(ctx, &in); err != nil {
				return Counts{}, fmt.Errorf("%d행: create institution %q: %w", row.Line, row.Code, err)
			}
			c.Created++
		}
		known[row.Code] = in
	}
	if err := errs.err(); err != nil {
		return Counts{}, err
	}
	return c, nil
}
