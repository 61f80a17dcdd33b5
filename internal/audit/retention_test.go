package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

func TestPurgeFloor(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, at := range []time.Time{now.AddDate(-3, 0, 0), now.AddDate(-2, -1, 0), now.AddDate(-1, 0, 0), now} {
		if err := audit.Log(ctx, st, audit.System, "test.event", "test", int64(i+1), nil, at); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		before time.Time
		floor  time.Duration
	}{
		{now.AddDate(-1, -6, 0), 0},                  // inside the default two years
		{now.AddDate(0, -6, 0), 30 * 24 * time.Hour}, // a floor below a year counts as a year
		{time.Time{}, 0},
	} {
		if _, err := audit.Purge(ctx, st, audit.System, tc.before, tc.floor, now); err != audit.ErrInsideRetention {
			t.Errorf("purge before %v with floor %v: %v, want refusal", tc.before, tc.floor, err)
		}
	}
	res, err := audit.Purge(ctx, st, audit.System, now.AddDate(-2, 0, 0), 0, now)
	if err != nil || res.Events != 2 || res.Anchor.Seq != 2 {
		t.Fatalf("purge past the floor = %+v, %v", res, err)
	}
	if bad, err := st.VerifyAuditChain(ctx); bad != 0 || err != nil {
		t.Errorf("verify after the purge: %d %v", bad, err)
	}
}
