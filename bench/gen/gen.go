package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/gwanmun/gwanmun/internal/demo"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
)

// config is what to generate.
type config struct {
	Users        int
	Requests     int // role requests, over all users
	Audit        int // audit events
	Institutions int // medical institutions, under the demo health centres
	Batch        int // rows per COPY / INSERT batch
	Seed         uint64
	Now          time.Time
	Log          io.Writer
}

// counts is what a run wrote.
type counts struct {
	Institutions, Users, Certificates, Requests, Grants, Audit int
	ByStatus                                                   map[domain.RequestStatus]int
}

var (
	instTable = table{"institutions", []string{"id", "code", "name", "kind", "parent_id", "region_code", "address", "phone",
		"created_at", "updated_at"}}
	userTable = table{"users", []string{"id", "login_id", "name", "institution_id", "mobile", "office_phone", "email", "status",
		"consent_version", "consent_at", "created_at", "updated_at", "last_login_at", "withdrawn_at", "pseudonym",
		"must_reregister_cert"}}
	certTable = table{"certificates", []string{"id", "user_id", "subject_dn", "issuer_dn", "serial", "key_hash", "not_before",
		"not_after", "policy_oid", "class", "registered_at"}}
	requestTable = table{"role_requests", []string{"id", "user_id", "role_id", "approver_institution_id", "status",
		"justification", "reason", "created_at", "decided_at", "decider_id", "reminded_at", "escalated_at"}}
	grantTable = table{"role_grants", []string{"id", "user_id", "role_id", "request_id", "granted_at", "granted_by"}}
	auditTable = table{"audit_events", []string{"seq", "at", "actor_id", "actor", "action", "target_type", "target_id",
		"client_addr", "detail", "prev_hash", "hash"}}
)

// Korean name parts: common surnames and given-name syllables, so that a
// name search finds realistic numbers of matches.
var (
	surnames  = []rune("김이박최정강조윤장임한오서신권황안송전홍유고문양손배백허남심노하곽성차주우구민류나진지엄채원천방공현함변염여추도소석선설마길연위표명기반왕금옥육인맹제모탁국어은편용")
	syllables = []rune("민서지현준우영수하은예도윤주진성동재혜경연아정희원승태호유나상미선채다소")
)

// batcher collects rows of one table and flushes them to the sink.
type batcher struct {
	ctx  context.Context
	s    sink
	t    table
	size int
	rows [][]any
	n    int
	// before, when set, is flushed first: the table it fills is
	// referenced by this one.
	before *batcher
}

func (b *batcher) add(row ...any) error {
	b.rows = append(b.rows, row)
	b.n++
	if len(b.rows) >= b.size {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if len(b.rows) == 0 {
		return nil
	}
	if b.before != nil {
		if err := b.before.flush(); err != nil {
			return err
		}
	}
	err := b.s.write(b.ctx, b.t, b.rows)
	b.rows = b.rows[:0]
	return err
}

// nextID returns one more than the largest value of col in tbl.
func nextID(ctx context.Context, st *sqlstore.Store, tbl, col string) (int64, error) {
	var n int64
	err := st.DB().QueryRowContext(ctx, "SELECT COALESCE(MAX("+col+"), 0) + 1 FROM "+tbl).Scan(&n)
	return n, err
}

// generate fills st with cfg's population on top of the demo data (which
// it seeds first, idempotently). IDs continue after the existing rows and
// the audit chain continues from its head, so a run adds to a database
// that is in use and `gwanmun audit verify` still passes.
func generate(ctx context.Context, st *sqlstore.Store, cfg config) (counts, error) {
	c := counts{ByStatus: map[domain.RequestStatus]int{}}
	if cfg.Batch <= 0 {
		cfg.Batch = 10_000
	}
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	}
	if cfg.Users < 1 || cfg.Institutions < 1 || cfg.Requests < 0 || cfg.Audit < 0 {
		return c, fmt.Errorf("need at least one user and one institution, and no negative counts")
	}
	now := cfg.Now.UTC().Truncate(time.Microsecond)
	res, err := demo.Seed(ctx, st, now)
	if err != nil {
		return c, err
	}
	if len(res.HealthCentres) == 0 {
		return c, fmt.Errorf("demo data has no health centre")
	}
	approverOf := map[int64]int64{} // health centre ID -> a demo approver's user ID
	for _, a := range res.Accounts {
		for _, r := range a.Roles {
			if r == demo.SystemCovid+"/"+demo.RoleApprover {
				approverOf[a.Institution.ID] = a.UserID
			}
		}
	}
	roles := []int64{res.UserRoleID, res.AutoReportRoleID}

	var first struct{ inst, user, cert, req, grant, seq int64 }
	for _, x := range []struct {
		p        *int64
		tbl, col string
	}{{&first.inst, "institutions", "id"}, {&first.user, "users", "id"}, {&first.cert, "certificates", "id"},
		{&first.req, "role_requests", "id"}, {&first.grant, "role_grants", "id"}} {
		if *x.p, err = nextID(ctx, st, x.tbl, x.col); err != nil {
			return c, fmt.Errorf("next id of %s: %w", x.tbl, err)
		}
	}
	// Chain the events still queued (the store's sealer would otherwise
	// give them the seqs written below); nothing else writes meanwhile.
	if _, err := st.SealAudit(ctx); err != nil {
		return c, err
	}
	var headSeq int64
	var headHash []byte
	if err := st.DB().QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		return c, fmt.Errorf("audit head: %w", err)
	}

	s, err := newSink(ctx, st)
	if err != nil {
		return c, err
	}
	defer s.close()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	us := func(t time.Time) int64 { return t.UnixMicro() }
	logf := func(format string, args ...any) {
		if cfg.Log != nil {
			fmt.Fprintf(cfg.Log, format+"\n", args...)
		}
	}
	step := time.Now()
	done := func(what string, n int) {
		logf("%-14s %9d rows in %s", what, n, time.Since(step).Round(time.Millisecond))
		step = time.Now()
	}

	// Medical institutions, each under a health centre.
	instParent := make([]int, cfg.Institutions) // index into res.HealthCentres
	b := &batcher{ctx: ctx, s: s, t: instTable, size: cfg.Batch}
	for i := range cfg.Institutions {
		id := first.inst + int64(i)
		hc := rng.IntN(len(res.HealthCentres))
		instParent[i] = hc
		p := res.HealthCentres[hc]
		created := us(now.AddDate(-5, 0, 0))
		if err := b.add(id, fmt.Sprintf("GEN%07d", id), fmt.Sprintf("생성의원%07d", id), string(domain.KindMedical), p.ID,
			p.RegionCode, "데모로 "+fmt.Sprint(id), "0000-0000", created, created); err != nil {
			return c, err
		}
	}
	if err := b.flush(); err != nil {
		return c, err
	}
	c.Institutions = b.n
	done("institutions", b.n)

	// Users with one certificate each: random-looking but unique key
	// hashes (SHA-256 of the user ID and the seed), no real keys.
	userInst := make([]int32, cfg.Users)
	userStatus := make([]domain.UserStatus, cfg.Users)
	ub := &batcher{ctx: ctx, s: s, t: userTable, size: cfg.Batch}
	cb := &batcher{ctx: ctx, s: s, t: certTable, size: cfg.Batch, before: ub}
	span := int64(3 * 365 * 24 * time.Hour / time.Microsecond)
	for i := range cfg.Users {
		id := first.user + int64(i)
		inst := rng.IntN(cfg.Institutions)
		userInst[i] = int32(inst)
		name := string([]rune{surnames[rng.IntN(len(surnames))], syllables[rng.IntN(len(syllables))], syllables[rng.IntN(len(syllables))]})
		ust := domain.UserActive
		switch p := rng.IntN(100); {
		case p < 3:
			ust = domain.UserPending
		case p < 5:
			ust = domain.UserLocked
		case p < 10:
			ust = domain.UserWithdrawn
		}
		userStatus[i] = ust
		created := us(now) - span + rng.Int64N(span)
		var lastLogin, withdrawn any
		if ust == domain.UserActive || ust == domain.UserLocked {
			lastLogin = created + rng.Int64N(us(now)-created+1)
		}
		if ust == domain.UserWithdrawn {
			withdrawn = created + rng.Int64N(us(now)-created+1)
		}
		var ph [8]byte
		binary.BigEndian.PutUint64(ph[:], rng.Uint64())
		if err := ub.add(id, fmt.Sprintf("gen%08d", id), name, first.inst+int64(inst), fmt.Sprintf("010%08d", id%100_000_000),
			"0000-0000", fmt.Sprintf("gen%08d@example.invalid", id), string(ust), int64(res.ConsentVersion), created, created,
			created, lastLogin, withdrawn, hex.EncodeToString(ph[:]), false); err != nil {
			return c, err
		}
		var seed [16]byte
		binary.BigEndian.PutUint64(seed[:8], uint64(id))
		binary.BigEndian.PutUint64(seed[8:], cfg.Seed)
		kh := sha256.Sum256(seed[:])
		certID := first.cert + int64(i)
		notBefore := created - int64(24*time.Hour/time.Microsecond)
		if err := cb.add(certID, id, fmt.Sprintf("CN=%s()%08d,OU=personal,O=gwanmun-gen,C=KR", name, id),
			"CN=gwanmun-gen CA,O=gwanmun-gen,C=KR", fmt.Sprintf("%x", 0x1000000+id), kh[:], notBefore,
			notBefore+int64(365*24*time.Hour/time.Microsecond), pki.OIDDevPersonal, string(domain.CertPersonal),
			created); err != nil {
			return c, err
		}
	}
	for _, x := range []*batcher{ub, cb} {
		if err := x.flush(); err != nil {
			return c, err
		}
	}
	c.Users, c.Certificates = ub.n, cb.n
	done("users+certs", ub.n+cb.n)

	// Role requests in every state, and a grant for each approval that is
	// the newest request of its (user, role) pair. Request j belongs to
	// pair j mod 2·users; only a pair's first request may be pending or
	// granted, so the one-pending and one-active-grant rules hold.
	rb := &batcher{ctx: ctx, s: s, t: requestTable, size: cfg.Batch}
	gb := &batcher{ctx: ctx, s: s, t: grantTable, size: cfg.Batch, before: rb}
	pairs := 2 * cfg.Users
	week := int64(7 * 24 * time.Hour / time.Microsecond)
	remindAfter, escalateAfter := int64(24*time.Hour/time.Microsecond), int64(72*time.Hour/time.Microsecond)
	for j := range cfg.Requests {
		id := first.req + int64(j)
		pair := j % pairs
		ui, role := pair/2, roles[pair%2]
		hc := res.HealthCentres[instParent[userInst[ui]]]
		status := domain.RequestApproved
		switch p := rng.IntN(100); {
		case p < 10 && j < pairs && userStatus[ui] != domain.UserWithdrawn:
			status = domain.RequestPending
		case p < 25:
			status = domain.RequestRejected
		case p < 35:
			status = domain.RequestCancelled
		case p < 40:
			status = domain.RequestExpired
		}
		var created int64
		var decided, decider, reminded, escalated any
		reason := ""
		if status == domain.RequestPending {
			created = us(now) - rng.Int64N(week) // pending ones are recent
			// As a running system's sweep leaves them (access.Sweep's
			// default thresholds): reminded after a day, escalated after
			// three.
			if t := created + remindAfter; t <= us(now) {
				reminded = t
			}
			if t := created + escalateAfter; t <= us(now) {
				escalated = t
			}
		} else {
			created = us(now) - span + rng.Int64N(span-week)
			d := created + rng.Int64N(3*24*int64(time.Hour/time.Microsecond))
			decided = d
			if a, ok := approverOf[hc.ID]; ok && (status == domain.RequestApproved || status == domain.RequestRejected) {
				decider = a
			}
			if status == domain.RequestRejected {
				reason = "소속 확인 불가 (generated)"
			}
		}
		if err := rb.add(id, first.user+int64(ui), role, hc.ID, string(status), "예방접종 업무 (generated)", reason,
			created, decided, decider, reminded, escalated); err != nil {
			return c, err
		}
		c.ByStatus[status]++
		if status == domain.RequestApproved && j < pairs {
			if err := gb.add(first.grant+int64(gb.n), first.user+int64(ui), role, id, decided, decider); err != nil {
				return c, err
			}
		}
	}
	for _, x := range []*batcher{rb, gb} {
		if err := x.flush(); err != nil {
			return c, err
		}
	}
	c.Requests, c.Grants = rb.n, gb.n
	done("requests+grants", rb.n+gb.n)

	// Audit events, chained from the current head, spread evenly over the
	// last three years (times increase with seq, as in a real log).
	ab := &batcher{ctx: ctx, s: s, t: auditTable, size: cfg.Batch}
	actions := []struct{ action, target string }{
		{"user.login", "user"}, {"user.login", "user"}, {"user.login", "user"}, {"user.login", "user"},
		{"request.create", "request"}, {"request.approve", "request"}, {"request.reject", "request"},
		{"request.cancel", "request"}, {"request.expire", "request"}, {"user.create", "user"},
	}
	prev := headHash
	startAt := us(now) - span
	if headSeq > 0 {
		var last int64
		if err := st.DB().QueryRowContext(ctx, "SELECT at FROM audit_events WHERE seq = $1", headSeq).Scan(&last); err != nil {
			return c, fmt.Errorf("last audit event: %w", err)
		}
		startAt = max(startAt, last)
	}
	stepAt := max((us(now)-startAt)/int64(max(cfg.Audit, 1)), 0)
	for k := range cfg.Audit {
		a := actions[rng.IntN(len(actions))]
		ui := rng.IntN(cfg.Users)
		actorID := first.user + int64(ui)
		target := fmt.Sprint(actorID)
		if a.target == "request" && cfg.Requests > 0 {
			target = fmt.Sprint(first.req + int64(rng.IntN(cfg.Requests)))
		}
		e := domain.AuditEvent{
			Seq: headSeq + int64(k) + 1, At: time.UnixMicro(startAt + int64(k)*stepAt).UTC(), ActorID: actorID,
			Actor: fmt.Sprintf("u-%x", sha256.Sum256([]byte(target)))[:18], Action: a.action, TargetType: a.target,
			TargetID: target, ClientAddr: fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256)),
			Detail: "{}",
		}
		e.Hash = store.AuditHash(prev, e)
		if err := ab.add(e.Seq, e.At.UnixMicro(), e.ActorID, e.Actor, e.Action, e.TargetType, e.TargetID, e.ClientAddr,
			e.Detail, nonNil(prev), e.Hash); err != nil {
			return c, err
		}
		prev = e.Hash
	}
	if err := ab.flush(); err != nil {
		return c, err
	}
	c.Audit = ab.n
	if cfg.Audit > 0 {
		if err := s.exec(ctx, "UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", headSeq+int64(cfg.Audit), prev); err != nil {
			return c, fmt.Errorf("audit head: %w", err)
		}
	}
	done("audit events", ab.n)

	if st.Dialect() == sqlstore.Postgres {
		// COPY wrote explicit IDs: move the identity sequences past them.
		for _, tbl := range []string{"institutions", "users", "certificates", "role_requests", "role_grants"} {
			if err := s.exec(ctx, "SELECT setval(pg_get_serial_sequence('"+tbl+"', 'id'), (SELECT MAX(id) FROM "+tbl+"))"); err != nil {
				return c, fmt.Errorf("sequence of %s: %w", tbl, err)
			}
		}
	}
	if err := s.commit(ctx); err != nil {
		return c, fmt.Errorf("commit: %w", err)
	}
	// Fresh statistics, so the planner knows the new sizes at once.
	if _, err := st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
		return c, fmt.Errorf("analyze: %w", err)
	}
	done("commit+analyze", 0)
	return c, nil
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
