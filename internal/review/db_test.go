package review_test

// Every test runs against a fresh SQLite file and a fresh PostgreSQL
// schema (GWANMUN_TEST_PG; skipped locally without it, a failure when
// CI=true), both seeded with the demo data. The clock is injected: each
// test says what time it is.

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/review"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const clientAddr = "192.0.2.9"

var notices = &review.Notices{Site: notify.Site{Name: "관문", BaseURL: "https://portal.example.kr"}}

type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   store.Store
	demo *demo.Result
	seq  int
}

func forEachDB(t *testing.T, fn func(t *testing.T, f *fixture)) {
	open := func(t *testing.T, url string) {
		st, err := sqlstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		res, err := demo.Seed(context.Background(), st, t0)
		if err != nil {
			t.Fatal(err)
		}
		fn(t, &fixture{t: t, ctx: context.Background(), st: st, demo: res})
	}
	t.Run("sqlite", func(t *testing.T) { open(t, "sqlite:"+filepath.Join(t.TempDir(), "review.db")) })
	t.Run("postgres", func(t *testing.T) { open(t, testenv.PostgresSchema(t)) })
}

func (f *fixture) inst(code string) domain.Institution {
	f.t.Helper()
	in, err := f.st.GetInstitutionByCode(f.ctx, code)
	if err != nil {
		f.t.Fatalf("institution %s: %v", code, err)
	}
	return in
}

func (f *fixture) user(loginID string) domain.User {
	f.t.Helper()
	u, err := f.st.GetUserByLoginID(f.ctx, loginID)
	if err != nil {
		f.t.Fatalf("user %s: %v", loginID, err)
	}
	if u.Email == "" { // reminders and notices need an address
		u.Email = loginID + "@example.kr"
		if err := f.st.UpdateUser(f.ctx, &u); err != nil {
			f.t.Fatal(err)
		}
	}
	return u
}

// holder creates a user at the institution with code instCode holding
// roleID since t0.
func (f *fixture) holder(instCode string, roleID int64) (domain.User, domain.Grant) {
	f.t.Helper()
	f.seq++
	login := "holder" + strconv.Itoa(f.seq)
	u := domain.User{LoginID: login, Name: "보유자" + strconv.Itoa(f.seq), InstitutionID: f.inst(instCode).ID, Status: domain.UserActive,
		Email: login + "@example.kr", Pseudonym: "p-" + login, CreatedAt: t0, UpdatedAt: t0}
	if err := f.st.CreateUser(f.ctx, &u); err != nil {
		f.t.Fatal(err)
	}
	return u, f.grant(u, roleID)
}

func (f *fixture) grant(u domain.User, roleID int64) domain.Grant {
	f.t.Helper()
	g := domain.Grant{UserID: u.ID, RoleID: roleID, GrantedAt: t0}
	if err := f.st.CreateGrant(f.ctx, &g); err != nil {
		f.t.Fatal(err)
	}
	return g
}

// open opens a campaign as actor at now, failing the test on error.
func (f *fixture) open(actor domain.User, nc review.NewCampaign, now time.Time) domain.ReviewCampaign {
	f.t.Helper()
	c, err := review.Open(f.ctx, f.st, actor, clientAddr, nc, now)
	if err != nil {
		f.t.Fatalf("open campaign: %v", err)
	}
	return c
}

// items lists a campaign's items by holder.
func (f *fixture) items(campaignID int64) map[int64]domain.ReviewItem {
	f.t.Helper()
	l, _, err := f.st.ListReviewItems(f.ctx, store.ReviewItemFilter{CampaignID: campaignID, Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		f.t.Fatal(err)
	}
	out := map[int64]domain.ReviewItem{}
	for _, it := range l {
		out[it.UserID] = it
	}
	return out
}

func (f *fixture) decide(actor domain.User, d review.Decision, now time.Time) (domain.ReviewItem, error) {
	var it domain.ReviewItem
	err := f.st.InTx(f.ctx, func(q store.Queries) error {
		var err error
		it, err = review.Decide(f.ctx, q, actor, clientAddr, d, notices, now)
		return err
	})
	return it, err
}

func (f *fixture) grantOf(u domain.User, roleID int64) domain.Grant {
	f.t.Helper()
	l, err := f.st.ListGrants(f.ctx, store.GrantFilter{UserID: u.ID, RoleID: roleID})
	if err != nil || len(l) == 0 {
		f.t.Fatalf("grant of %s: %v", u.LoginID, err)
	}
	return l[len(l)-1]
}

func (f *fixture) events(action, targetType string, targetID int64) []domain.AuditEvent {
	f.t.Helper()
	ev, err := f.st.ListAudit(f.ctx, store.AuditFilter{Action: action, TargetType: targetType,
		TargetID: strconv.FormatInt(targetID, 10), Page: store.Page{Limit: store.MaxLimit}})
	if err != nil {
		f.t.Fatal(err)
	}
	return ev
}

// mail returns the outbox messages of kind to addr.
func (f *fixture) mail(kind, addr string) []domain.OutboxMessage {
	f.t.Helper()
	l, _, err := f.st.ListOutbox(f.ctx, domain.OutboxFilter{Kind: kind, Recipient: addr, Limit: 500})
	if err != nil {
		f.t.Fatal(err)
	}
	return l
}
