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
		return loginIDs(us), n, capped
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

	t.Run("Branches", func(t *testing.T) {
		// A short query is one condition per kind of prefix (name, given
		// name, login ID), read as separate branches in name order and
		// merged: users matching several come once, the order runs
		// across the branches, and offsets count the merged list.
		for _, u := range []struct {
			login, name string
			centre      bool
		}{
			{"br01", "Qal", false}, // qa: name
			{"br02", "Bqa", true},  // qa: given name
			{"qa03", "Cee", false}, // qa: login ID
			{"qa04", "Aqa", false}, // qa: given name and login ID
			{"qa05", "Qaqa", true}, // qa: name and login ID
			{"br06", "Qqa", false}, // qa: given name
			{"qa07", "Qa", false},  // qa: name and login ID
			{"qz08", "Qqx", false}, // q: all three
			{"br09", "Xyz", false}, // neither
		} {
			inst := c.clinic.ID
			if u.centre {
				inst = c.centre.ID
			}
			newUser(t, s, inst, u.login, u.name)
		}
		byName := []string{"qa04", "br02", "qa03", "qa07", "br01", "qa05", "br06"} // Aqa, Bqa, Cee, Qa, Qal, Qaqa, Qqa
		desc := slices.Clone(byName)
		slices.Reverse(desc)
		for _, tc := range []struct {
			name string
			f    domain.UserSearch
			want []string
			n    int
		}{
			{"two characters", domain.UserSearch{Query: "qa"}, byName, 7},
			{"any case", domain.UserSearch{Query: "QA"}, byName, 7},
			{"one character", domain.UserSearch{Query: "q"}, append(slices.Clone(byName), "qz08"), 8},
			{"descending", domain.UserSearch{Query: "qa", Desc: true}, desc, 7},
			{"a page", domain.UserSearch{Query: "qa", Offset: 2, Limit: 3}, byName[2:5], 7},
			{"a page, descending", domain.UserSearch{Query: "qa", Desc: true, Offset: 1, Limit: 2}, []string{"qa05", "br01"}, 7},
			{"one a page", domain.UserSearch{Query: "qa", Offset: 3, Limit: 1}, byName[3:4], 7},
			{"one a page, descending", domain.UserSearch{Query: "qa", Desc: true, Offset: 4, Limit: 1}, desc[4:5], 7},
			{"the last page", domain.UserSearch{Query: "qa", Offset: 6, Limit: 5}, byName[6:], 7},
			{"past the end", domain.UserSearch{Query: "qa", Offset: 7, Limit: 5}, nil, 7},
			{"by login ID", domain.UserSearch{Query: "qa", Sort: "login_id"}, []string{"br01", "br02", "br06", "qa03", "qa04", "qa05", "qa07"}, 7},
			{"with a filter", domain.UserSearch{Query: "qa", InstitutionID: c.centre.ID}, []string{"br02", "qa05"}, 2},
		} {
			got, n, capped := search(tc.f)
			if !slices.Equal(got, tc.want) || n != tc.n || capped {
				t.Errorf("%s: got %v (%d, capped %v), want %v (%d)", tc.name, got, n, capped, tc.want, tc.n)
			}
		}
	})
}
