package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// testAuditPurge: a purge deletes the oldest events and access-log
// entries, the chain still verifies from its anchor, and an edit after the
// purge (of an event or of the anchor) is caught.
func testAuditPurge(t *testing.T, s store.Store) {
	verify := func(what string) (int64, error) {
		t.Helper()
		bad, err := store.VerifyAuditChain(ctx(t), s)
		if v, ok := s.(chainVerifier); ok && bad == 0 && err == nil {
			bad, err = v.VerifyAuditChain(ctx(t))
		}
		return bad, err
	}
	// Nothing to purge in an empty log.
	p, err := s.PurgeAudit(ctx(t), t0, 0, "system", t0)
	must(t, err)
	if p.Deleted != 0 {
		t.Errorf("purge of an empty log = %+v", p)
	}
	for i := range 6 {
		e := domain.AuditEvent{At: t0.AddDate(0, i, 0), Actor: "system", Action: "test.purge", Detail: fmt.Sprintf(`{"n":%d}`, i)}
		must(t, s.AppendAudit(ctx(t), &e))
	}
	b := seedBase(t, s)
	for i := range 3 {
		must(t, s.LogPersonalDataAccess(ctx(t), &domain.PersonalDataAccess{At: t0.AddDate(0, 2*i, 0), ActorID: b.approver.ID,
			SubjectID: b.alice.ID, Purpose: "확인"}))
	}
	if bad, err := verify("before"); bad != 0 || err != nil {
		t.Fatalf("verify before the purge: %d %v", bad, err)
	}
	all, err := s.ListAudit(ctx(t), store.AuditFilter{})
	must(t, err)

	// Events of months 0..2 go: seq 1..3.
	now := t0.AddDate(3, 0, 0)
	p, err = s.PurgeAudit(ctx(t), t0.AddDate(0, 3, 0), 7, "p-admin", now)
	must(t, err)
	if p.Deleted != 3 || p.Anchor.Seq != 3 || !bytes.Equal(p.Anchor.Hash, all[2].Hash) {
		t.Fatalf("purge = %+v, want 3 deleted, anchored at event 3", p)
	}
	a, err := s.AuditAnchor(ctx(t))
	must(t, err)
	if a.Seq != 3 || !bytes.Equal(a.Hash, all[2].Hash) {
		t.Errorf("anchor = %+v", a)
	}
	kept, err := s.ListAudit(ctx(t), store.AuditFilter{})
	must(t, err)
	if len(kept) != 4 || kept[0].Seq != 4 || kept[3].Action != store.AuditPurgeAction || kept[3].ActorID != 7 {
		t.Fatalf("kept events: %v", pluck(kept, func(e domain.AuditEvent) string { return fmt.Sprint(e.Seq, e.Action) }))
	}
	if bad, err := verify("after the purge"); bad != 0 || err != nil {
		t.Errorf("verify after the purge: %d %v", bad, err)
	}
	n, err := s.PurgePersonalDataAccess(ctx(t), t0.AddDate(0, 3, 0))
	must(t, err)
	if n != 2 {
		t.Errorf("purged %d access-log entries, want 2", n)
	}
	// A purge of nothing more changes nothing.
	p, err = s.PurgeAudit(ctx(t), t0.AddDate(0, 3, 0), 7, "p-admin", now)
	must(t, err)
	if p.Deleted != 0 || p.Anchor.Seq != 3 {
		t.Errorf("second purge = %+v", p)
	}
	// A purge past every event keeps the newest.
	p, err = s.PurgeAudit(ctx(t), now.AddDate(1, 0, 0), 7, "p-admin", now)
	must(t, err)
	if p.Deleted != 3 || p.Anchor.Seq != 6 {
		t.Errorf("purge of all = %+v, want events 4..6 deleted", p)
	}
	if bad, err := verify("after the second purge"); bad != 0 || err != nil {
		t.Errorf("verify after the second purge: %d %v", bad, err)
	}

	raw, ok := s.(rawDB)
	if !ok {
		return
	}
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.DB().ExecContext(ctx(t), query, args...); err != nil {
			t.Fatal(err)
		}
	}
	anchor := p.Anchor
	exec("UPDATE audit_anchor SET hash = $1 WHERE id = 1", bytes.Repeat([]byte{1}, 32))
	if bad, err := verify("anchor edited"); bad != 7 || !errors.Is(err, store.ErrChainBroken) {
		t.Errorf("verify after editing the anchor's hash: %d %v, want event 7", bad, err)
	}
	exec("UPDATE audit_anchor SET hash = $1 WHERE id = 1", anchor.Hash)
	if bad, err := verify("anchor restored"); bad != 0 || err != nil {
		t.Errorf("verify after restoring the anchor: %d %v", bad, err)
	}
	// Moving the anchor and deleting events to match is caught too: no
	// audit.purge event names that anchor.
	var h7 []byte
	if err := raw.DB().QueryRowContext(ctx(t), "SELECT hash FROM audit_events WHERE seq = 7").Scan(&h7); err != nil {
		t.Fatal(err)
	}
	exec("DELETE FROM audit_events WHERE seq = 7")
	exec("UPDATE audit_anchor SET seq = 7, hash = $1 WHERE id = 1", h7)
	if bad, err := verify("anchor moved"); bad == 0 || !errors.Is(err, store.ErrChainBroken) {
		t.Errorf("verify after moving the anchor over a deleted event: %d %v", bad, err)
	}
	exec("UPDATE audit_events SET detail = $1 WHERE seq = $2", `{"n":99}`, 8)
	if bad, err := verify("edited"); bad != 8 || !errors.Is(err, store.ErrChainBroken) {
		t.Errorf("verify after an edit: %d %v, want event 8", bad, err)
	}
}
