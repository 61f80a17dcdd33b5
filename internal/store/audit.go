package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// ErrChainBroken reports an audit log whose hash chain does not verify: an
// event was edited, inserted or deleted.
var ErrChainBroken = errors.New("audit chain broken")

// auditHashTag opens the canonical encoding, so that a change of encoding
// can never produce the hash of an older one.
const auditHashTag = "gwanmun-audit-v1\x00"

// AuditHash returns the hash that chains e to the event before it:
//
//	SHA-256(prev || canonical(e))
//
// prev is the previous event's Hash (empty for the first event). The
// canonical encoding of e is the bytes "gwanmun-audit-v1\x00", then the
// 8-byte big-endian two's-complement integers Seq, At (Unix microseconds
// UTC; 0 for the zero time) and ActorID, then the strings Actor, Action,
// TargetType, TargetID, ClientAddr and Detail, each as a 4-byte big-endian
// byte length followed by its UTF-8 bytes. e.PrevHash and e.Hash are not
// part of it. Times are stored with microsecond precision, so the hash of
// a stored event recomputes exactly.
func AuditHash(prev []byte, e domain.AuditEvent) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write([]byte(auditHashTag))
	var at int64
	if !e.At.IsZero() {
		at = e.At.UnixMicro()
	}
	writeInt(h, e.Seq)
	writeInt(h, at)
	writeInt(h, e.ActorID)
	for _, s := range []string{e.Actor, e.Action, e.TargetType, e.TargetID, e.ClientAddr, e.Detail} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

func writeInt(h hash.Hash, v int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	h.Write(b[:])
}

// VerifyAuditChain walks the whole audit log of q in sequence order and
// checks every link: sequence numbers run 1, 2, 3, … without gaps, each
// PrevHash equals the previous event's Hash, and each Hash equals AuditHash
// of the event. It returns (0, nil) for an intact log, and the Seq of the
// first event that fails with an error wrapping ErrChainBroken. A deleted
// event shows as the event after the gap; a deleted last event cannot be
// seen from the events alone (sqlstore checks its chain head for that).
// Other errors (reading the log) come back with badSeq 0.
//
// After a purge (RetentionStore) the chain starts at the anchor: the first
// kept event must follow the anchor's seq and link to its hash, and an
// audit.purge event in the kept chain must name the same anchor.
func VerifyAuditChain(ctx context.Context, q Queries) (badSeq int64, err error) {
	anchor, err := q.AuditAnchor(ctx)
	if err != nil {
		return 0, fmt.Errorf("verify audit chain: %w", err)
	}
	var (
		prevSeq  = anchor.Seq
		prevHash = anchor.Hash
		sealed   = anchor.Seq == 0
	)
	for {
		evs, err := q.ListAudit(ctx, AuditFilter{AfterSeq: prevSeq, Page: Page{Limit: MaxLimit}})
		if err != nil {
			return 0, fmt.Errorf("verify audit chain: %w", err)
		}
		for _, e := range evs {
			switch {
			case e.Seq != prevSeq+1:
				return e.Seq, fmt.Errorf("%w: event %d follows event %d (missing or inserted events)", ErrChainBroken, e.Seq, prevSeq)
			case string(e.PrevHash) != string(prevHash):
				return e.Seq, fmt.Errorf("%w: event %d does not link to the hash of event %d", ErrChainBroken, e.Seq, prevSeq)
			case string(e.Hash) != string(AuditHash(prevHash, e)):
				return e.Seq, fmt.Errorf("%w: event %d does not match its hash (edited)", ErrChainBroken, e.Seq)
			}
			if !sealed && e.Action == AuditPurgeAction {
				sealed = namesAnchor(e.Detail, anchor)
			}
			prevSeq, prevHash = e.Seq, e.Hash
		}
		if len(evs) < MaxLimit {
			if !sealed {
				return anchor.Seq + 1, fmt.Errorf("%w: no %s event confirms the chain's anchor at event %d", ErrChainBroken, AuditPurgeAction, anchor.Seq)
			}
			return 0, nil
		}
	}
}

// namesAnchor reports whether an audit.purge event's detail names anchor.
func namesAnchor(detail string, anchor AuditAnchor) bool {
	var d struct {
		Seq  int64  `json:"anchor_seq"`
		Hash string `json:"anchor_hash"`
	}
	return json.Unmarshal([]byte(detail), &d) == nil && d.Seq == anchor.Seq && d.Hash == hex.EncodeToString(anchor.Hash)
}

// Page limits.
const (
	DefaultLimit = 50  // a Page with Limit 0 returns up to this many rows
	MaxLimit     = 500 // larger limits are cut to this
)

// Window returns p's offset and limit with the defaults applied: a
// negative offset counts as 0, limit 0 (or negative) as DefaultLimit, and
// limits above MaxLimit as MaxLimit.
func (p Page) Window() (offset, limit int) {
	offset, limit = max(p.Offset, 0), p.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	return offset, min(limit, MaxLimit)
}
