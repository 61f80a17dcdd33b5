package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testAdminSearch covers what keeps the admin user search fast at a
// million users: a query of one or two characters matches the start of
// the name, of the given name (the name without its first syllable) or of
// the login ID; three or more characters match anywhere; the total stops
// at domain.UserCountCap.
func testAdminSearch(t *testing.T, s store.Store) {
	c := seedChain(t, s)
	for _, u := range [][2]string{
		{"kmj01", "김민준"},
		{"mjh02", "민준호"},
		{"lms03", "이민수"},
		{"pjm04", "박준민"},
		{"km05", "김민"},
		{"ngmj06", "남궁민준"},
		{"minjun77", "최영희"},
		{"Xmin08", "Alex Kim"},
		{"pct09", "100%확인"},
	} {
		newUser(t, s, c.clinic.ID, u[0], u[1])
	}
	search := func(f domain.UserSearch) ([]string, int, bool) {
		t.Helper()
		us, n, capped, err := s.SearchUsers(ctx(t), f)
		must(t, err)
		var out []string
		for _, u := range us {
			out = append(out, u.LoginID)
		}
		return out, n, capped
	}

	t.Run("ShortQuery", func(t *testing.T) {
		for _, tc := range []struct {
			q    string
			want []string // ordered by name
		}{
			// Two syllables: the start of the name (민준호) or of the given
			// name (김민준, 박준민), not elsewhere (남궁민준's given name is
			// 궁민준).
			{"민준", []string{"kmj01", "mjh02"}},
			{"준민", []string{"pjm04"}},
			{"김", []string{"km05", "kmj01"}},
			{"민", []string{"km05", "kmj01", "mjh02", "lms03"}},
			{"궁민", []string{"ngmj06"}},
			{"민수", []string{"lms03"}},
			{"영", []string{"minjun77"}}, // 최영희
			{"희", nil},
			// Login IDs by their start, any case; Latin names likewise.
			{"mi", []string{"minjun77"}},
			{"MI", []string{"minjun77"}},
			{"xm", []string{"Xmin08"}},
			{"al", []string{"Xmin08"}},
			{"le", []string{"Xmin08"}}, // the given-name rule applies to any name
			// LIKE's wildcards are plain characters.
			{"%", nil},
			{"_", nil},
			{"10", []string{"pct09"}},
			{"0%", nil},
		} {
			got, n, capped := search(domain.UserSearch{Query: tc.q})
			if !slices.Equal(got, tc.want) || n != len(tc.want) || capped {
				t.Errorf("q=%q: got %v (%d, capped %v), want %v", tc.q, got, n, capped, tc.want)
			}
		}
		// With other filters and a page.
		got, n, _ := search(domain.UserSearch{Query: "민", Sort: "login_id", Offset: 1, Limit: 2})
		if !slices.Equal(got, []string{"kmj01", "lms03"}) || n != 4 {
			t.Errorf("q=민 by login ID, second and third: %v (%d)", got, n)
		}
		got, n, _ = search(domain.UserSearch{Query: "민", UnderInstitutionID: c.centre.ID, InstitutionQuery: "내과"})
		if len(got) != 4 || n != 4 {
			t.Errorf("q=민 under the centre at 내과: %v (%d)", got, n)
		}
	})

	t.Run("LongQuery", func(t *testing.T) {
		for _, tc := range []struct {
			q    string
			want []string
		}{
			{"궁민준", []string{"ngmj06"}}, // anywhere in the name
			{"김민준", []string{"kmj01"}},
			{"민준호", []string{"mjh02"}},
			{"JUN", []string{"minjun77"}}, // anywhere in the login ID, any case
			{"x kim", []string{"Xmin08"}},
			{"0%확", []string{"pct09"}},
			{"%%%", nil},
		} {
			got, n, capped := search(domain.UserSearch{Query: tc.q})
			if !slices.Equal(got, tc.want) || n != len(tc.want) || capped {
				t.Errorf("q=%q: got %v (%d, capped %v), want %v", tc.q, got, n, capped, tc.want)
			}
		}
	})

	t.Run("Cap", func(t *testing.T) {
		// UserCountCap+1 users named 상한00001…, the last one locked.
		must(t, s.InTx(ctx(t), func(q store.Queries) error {
			for i := 1; i <= domain.UserCountCap+1; i++ {
				u := domain.User{LoginID: fmt.Sprintf("cap%05d", i), Name: fmt.Sprintf("상한%05d", i), InstitutionID: c.centre.ID,
					Status: domain.UserActive, Pseudonym: fmt.Sprintf("p-cap%05d", i), CreatedAt: t0}
				if i == domain.UserCountCap+1 {
					u.Status = domain.UserLocked
				}
				if err := q.CreateUser(ctx(t), &u); err != nil {
					return err
				}
			}
			return nil
		}))
		all := domain.UserCountCap + 1 + 9 // with the users above
		for _, tc := range []struct {
			name   string
			f      domain.UserSearch
			total  int
			capped bool
		}{
			{"everyone", domain.UserSearch{}, domain.UserCountCap, true},
			{"short query", domain.UserSearch{Query: "상한"}, domain.UserCountCap, true},
			{"long query", domain.UserSearch{Query: "cap"}, domain.UserCountCap, true},
			{"exactly the cap", domain.UserSearch{Query: "상한", Status: domain.UserActive}, domain.UserCountCap, false},
			{"under the cap", domain.UserSearch{Query: "cap0999"}, 10, false},
			{"scope", domain.UserSearch{UnderInstitutionID: c.clinic.ID}, 9, false},
		} {
			_, n, capped := search(tc.f)
			if n != tc.total || capped != tc.capped {
				t.Errorf("%s: total %d, capped %v; want %d, %v (of %d users)", tc.name, n, capped, tc.total, tc.capped, all)
			}
		}
		// The pages go on past the cap.
		got, n, capped := search(domain.UserSearch{Query: "상한", Sort: "login_id", Offset: domain.UserCountCap - 1, Limit: 5})
		want := []string{fmt.Sprintf("cap%05d", domain.UserCountCap), fmt.Sprintf("cap%05d", domain.UserCountCap+1)}
		if !slices.Equal(got, want) || n != domain.UserCountCap || !capped {
			t.Errorf("last page: %v (%d, capped %v), want %v", got, n, capped, want)
		}
	})
}
