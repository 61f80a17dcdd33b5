package web

import (
	"slices"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// The user page offers lock or unlock, whichever applies, and nothing but
// ending sessions for a withdrawn account.
func TestUserActions(t *testing.T) {
	for _, tc := range []struct {
		st   domain.UserStatus
		want []string
	}{
		{domain.UserActive, []string{"lock", "sessions", "reregister"}},
		{domain.UserPending, []string{"lock", "sessions", "reregister"}},
		{domain.UserLocked, []string{"unlock", "sessions", "reregister"}},
		{domain.UserWithdrawn, []string{"sessions"}},
	} {
		if got := userActions(tc.st); !slices.Equal(got, tc.want) {
			t.Errorf("userActions(%s) = %v, want %v", tc.st, got, tc.want)
		}
	}
}

func TestPageWindow(t *testing.T) {
	for _, tc := range []struct {
		cur, pages int
		want       []int
	}{
		{1, 1, []int{1}},
		{1, 3, []int{1, 2, 3}},
		{1, 10, []int{1, 2, 3, 0, 10}},
		{5, 10, []int{1, 2, 3, 4, 5, 6, 7, 0, 10}}, // 2 shown, not "…"
		{6, 10, []int{1, 0, 4, 5, 6, 7, 8, 9, 10}},
		{6, 12, []int{1, 0, 4, 5, 6, 7, 8, 0, 12}},
		{4, 10, []int{1, 2, 3, 4, 5, 6, 0, 10}},
		{10, 10, []int{1, 0, 8, 9, 10}},
		{1, 5, []int{1, 2, 3, 4, 5}},
		{2900, 2900, []int{1, 0, 2898, 2899, 2900}},
		{99, 5, []int{1, 2, 3, 4, 5}}, // out of range: clamped
	} {
		if got := pageWindow(tc.cur, tc.pages); !slices.Equal(got, tc.want) {
			t.Errorf("pageWindow(%d, %d) = %v, want %v", tc.cur, tc.pages, got, tc.want)
		}
	}
}
