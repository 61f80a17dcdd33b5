package store

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// TestAuditHashEncoding recomputes the documented canonical encoding by
// hand, so a change to AuditHash that would orphan stored chains fails.
func TestAuditHashEncoding(t *testing.T) {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	e := domain.AuditEvent{Seq: 2, At: at, ActorID: 7, Actor: "u-7", Action: "a", TargetType: "", TargetID: "9", ClientAddr: "::1", Detail: "{}"}
	prev := []byte{0xaa, 0xbb}
	var enc []byte
	enc = append(enc, prev...)
	enc = append(enc, "gwanmun-audit-v1\x00"...)
	be := func(v uint64, n int) {
		for i := n - 1; i >= 0; i-- {
			enc = append(enc, byte(v>>(8*i)))
		}
	}
	be(2, 8)
	be(uint64(at.UnixMicro()), 8)
	be(7, 8)
	for _, s := range []string{"u-7", "a", "", "9", "::1", "{}"} {
		be(uint64(len(s)), 4)
		enc = append(enc, s...)
	}
	want := sha256.Sum256(enc)
	if got := AuditHash(prev, e); hex.EncodeToString(got) != hex.EncodeToString(want[:]) {
		t.Fatalf("AuditHash = %x, want %x", got, want)
	}
	// The hash ignores the event's own PrevHash and Hash fields, and the
	// time zone, but not the sub-microsecond-free instant.
	e2 := e
	e2.PrevHash, e2.Hash, e2.At = []byte{1}, []byte{2}, at.In(time.FixedZone("KST", 9*3600))
	if string(AuditHash(prev, e2)) != string(want[:]) {
		t.Error("AuditHash depends on PrevHash, Hash or the time zone")
	}
}

// TestAuditHashFields checks that every field counts, and that moving bytes
// between adjacent strings changes the hash (the lengths delimit them).
func TestAuditHashFields(t *testing.T) {
	base := domain.AuditEvent{Seq: 1, At: time.Unix(1, 0), ActorID: 1, Actor: "ab", Action: "c", TargetType: "t", TargetID: "1", ClientAddr: "x", Detail: "{}"}
	h0 := string(AuditHash(nil, base))
	edits := map[string]func(e *domain.AuditEvent){
		"Seq":        func(e *domain.AuditEvent) { e.Seq++ },
		"At":         func(e *domain.AuditEvent) { e.At = e.At.Add(time.Microsecond) },
		"ActorID":    func(e *domain.AuditEvent) { e.ActorID++ },
		"Actor":      func(e *domain.AuditEvent) { e.Actor = "a" },
		"shift":      func(e *domain.AuditEvent) { e.Actor, e.Action = "a", "bc" },
		"Action":     func(e *domain.AuditEvent) { e.Action = "d" },
		"TargetType": func(e *domain.AuditEvent) { e.TargetType = "u" },
		"TargetID":   func(e *domain.AuditEvent) { e.TargetID = "2" },
		"ClientAddr": func(e *domain.AuditEvent) { e.ClientAddr = "y" },
		"Detail":     func(e *domain.AuditEvent) { e.Detail = `{"a":1}` },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		if string(AuditHash(nil, e)) == h0 {
			t.Errorf("editing %s leaves the hash unchanged", name)
		}
	}
	if string(AuditHash([]byte{0}, base)) == h0 {
		t.Error("the previous hash does not count")
	}
}

func TestPageWindow(t *testing.T) {
	for _, tc := range []struct {
		p        Page
		off, lim int
	}{
		{Page{}, 0, DefaultLimit},
		{Page{Offset: 10, Limit: 5}, 10, 5},
		{Page{Offset: -3, Limit: -1}, 0, DefaultLimit},
		{Page{Limit: MaxLimit + 1}, 0, MaxLimit},
	} {
		if off, lim := tc.p.Window(); off != tc.off || lim != tc.lim {
			t.Errorf("%+v.Window() = %d, %d; want %d, %d", tc.p, off, lim, tc.off, tc.lim)
		}
	}
}
