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
