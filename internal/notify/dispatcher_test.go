package notify

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
	"github.com/gwanmun/gwanmun/internal/store/sqlstore"
	"github.com/gwanmun/gwanmun/internal/testenv"
)

// openSQLite opens a fresh SQLite database file; a second open of the same
// path is a second process's view.
func openSQLite(t *testing.T, path string) *sqlstore.Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "gwanmun.db")
	}
	s, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// pgURL is a fresh schema on the PostgreSQL test server.
func pgURL(t *testing.T) string { return testenv.PostgresSchema(t) }

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// The store is what the server hands to NewDispatcher.
var _ Outbox = (*sqlstore.Store)(nil)

var site = Site{BaseURL: "https://portal.gwanmun.test"}

var start = time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)

// newTestMailer returns an SMTPMailer for srv, plain text.
func newTestMailer(t *testing.T, srv *smtpServer) *SMTPMailer {
	t.Helper()
	m, err := NewSMTP(SMTPConfig{Host: srv.host, Port: srv.port, TLS: TLSNone, From: "noreply@gwanmun.test", FromName: "관문", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// newTestDispatcher returns a dispatcher on a settable clock with jitter
// fixed at zero (Rand 0.5), logging into buf (when not nil).
func newTestDispatcher(o Outbox, m Mailer, c *clock, buf *bytes.Buffer) *Dispatcher {
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	d := NewDispatcher(o, m, slog.New(slog.NewTextHandler(&syncBuffer{b: buf}, nil)))
	d.Now = c.Now
	d.Rand = func() float64 { return 0.5 }
	return d
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func sampleRequest() Request {
	return Request{ApplicantName: "김앨리스", ApplicantInstitution: "서울내과의원", SystemName: "코로나19예방접종관리",
		RoleName: "코로나19 예방접종대응팀 User(의료기관)", ApproverInstitution: "종로구보건소", RequestedAt: start}
}

func enqueue(t *testing.T, q store.Queries, msgs []domain.OutboxMessage, at time.Time) []domain.OutboxMessage {
	t.Helper()
	for i := range msgs {
		msgs[i].CreatedAt = at
		if err := q.EnqueueMail(t.Context(), &msgs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return msgs
}

func getMsg(t *testing.T, s store.Store, id int64) domain.OutboxMessage {
	t.Helper()
	all, _, err := s.ListOutbox(t.Context(), domain.OutboxFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("message %d not in the outbox", id)
	return domain.OutboxMessage{}
}

// TestDeliver: a request notice, enqueued in a transaction, reaches the
// SMTP server with a properly encoded Korean subject and body.
func TestDeliver(t *testing.T) {
	srv := startSMTP(t)
	s := openSQLite(t, "")
	c := &clock{t: start}
	var logs bytes.Buffer
	d := newTestDispatcher(s, newTestMailer(t, srv), c, &logs)

	msgs, err := RequestCreated(Site{BaseURL: "https://portal.gwanmun.test/"},
		[]Recipient{{Name: "박보건", Email: "park.bogeon@health.gwanmun.test"}, {Name: "최승인", Email: "choi@health.gwanmun.test"}}, sampleRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(t.Context(), func(tx store.Queries) error { enqueue(t, tx, msgs, start); return nil }); err != nil {
		t.Fatal(err)
	}
	res, err := d.RunOnce(t.Context())
	if err != nil || res != (Result{Claimed: 2, Sent: 2}) {
		t.Fatalf("RunOnce = %+v, %v", res, err)
	}
	got := srv.messages()
	if len(got) != 2 {
		t.Fatalf("server received %d messages, want 2", len(got))
	}
	r := got[0]
	if r.From != "noreply@gwanmun.test" || len(r.To) != 1 || r.To[0] != "park.bogeon@health.gwanmun.test" {
		t.Errorf("envelope: from %q to %q", r.From, r.To)
	}
	p := parseMessage(t, r.Data)
	if p.Subject != "[관문] 새 권한 신청이 도착했습니다" {
		t.Errorf("Subject = %q", p.Subject)
	}
	if raw := p.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") && !strings.HasPrefix(raw, "=?utf-8?") {
		t.Errorf("raw Subject %q is not an RFC 2047 encoded word", raw)
	}
	if p.From.Name != "관문" || p.From.Address != "noreply@gwanmun.test" {
		t.Errorf("From = %v", p.From)
	}
	if len(p.To) != 1 || p.To[0].Address != "park.bogeon@health.gwanmun.test" {
		t.Errorf("To = %v", p.To)
	}
	if want := fmt.Sprintf("<gwanmun.%d.%d@gwanmun.test>", msgs[0].ID, start.UnixMicro()); p.Header.Get("Message-Id") != want {
		t.Errorf("Message-ID = %q, want %q", p.Header.Get("Message-Id"), want)
	}
	if p.Header.Get("Auto-Submitted") != "auto-generated" || p.Header.Get("Date") == "" {
		t.Errorf("Auto-Submitted %q, Date %q", p.Header.Get("Auto-Submitted"), p.Header.Get("Date"))
	}
	for _, want := range []string{"박보건 님, 안녕하세요.", "종로구보건소의 승인을 기다리는", "[코로나19 예방접종대응팀 User(의료기관)] (코로나19예방접종관리)",
		"신청 기관: 서울내과의원", "신청자: 김**스", "2025-03-14 18:00 (KST)", "https://portal.gwanmun.test 에 공동인증서로 로그인"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("body lacks %q:\n%s", want, p.Body)
		}
	}
	if strings.Contains(p.Body, "김앨리스") {
		t.Error("body shows the applicant's full name")
	}
	for _, m := range msgs {
		if g := getMsg(t, s, m.ID); g.Status() != domain.OutboxSent || !g.SentAt.Equal(start) || g.Attempts != 1 {
			t.Errorf("after delivery: %+v", g)
		}
	}
	// Nothing left: another run claims nothing and sends nothing.
	if res, err := d.RunOnce(t.Context()); err != nil || res != (Result{}) {
		t.Errorf("second RunOnce = %+v, %v", res, err)
	}
	checkLogs(t, logs.String(), "park.bogeon@", "choi@", "김앨리스", "서울내과의원")
}

// checkLogs fails when the log shows any of the secrets.
func checkLogs(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	if logs == "" {
		t.Error("nothing was logged")
	}
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("log shows %q:\n%s", s, logs)
		}
	}
}

// TestServerDownThenBack: a stopped server, then one answering 451, keep
// the message in the outbox with back-off; back to normal, it is delivered
// exactly once.
func TestServerDownThenBack(t *testing.T) {
	srv := startSMTP(t)
	s := openSQLite(t, "")
	c := &clock{t: start}
	var logs bytes.Buffer
	d := newTestDispatcher(s, newTestMailer(t, srv), c, &logs)
	msgs, _ := RequestDecided(site, Recipient{Name: "김앨리스", Email: "alice.kim@clinic.gwanmun.test"},
		sampleRequest(), domain.RequestRejected, "관할 보건소가 아닙니다.", start)
	m := enqueue(t, s, msgs, start)[0]

	srv.stop()
	res, err := d.RunOnce(t.Context())
	if err != nil || res != (Result{Claimed: 1, Failed: 1}) {
		t.Fatalf("RunOnce with the server down = %+v, %v", res, err)
	}
	g := getMsg(t, s, m.ID)
	if g.Status() != domain.OutboxPending || g.Attempts != 1 || g.LastError == "" || !g.NextAttemptAt.Equal(start.Add(time.Minute)) {
		t.Fatalf("after a refused connection: %+v (want pending, 1 attempt, retry at +1m)", g)
	}

	// Not due yet: nothing happens.
	c.Add(59 * time.Second)
	if res, _ := d.RunOnce(t.Context()); res.Claimed != 0 {
		t.Fatalf("claimed before the back-off ended: %+v", res)
	}

	// The server is up but answers 451.
	srv.start()
	srv.setMode("temp")
	c.Add(time.Second)
	res, err = d.RunOnce(t.Context())
	if err != nil || res != (Result{Claimed: 1, Failed: 1}) {
		t.Fatalf("RunOnce with 451 = %+v, %v", res, err)
	}
	g = getMsg(t, s, m.ID)
	if g.Attempts != 2 || !strings.Contains(g.LastError, "451") || !g.NextAttemptAt.Equal(c.Now().Add(2*time.Minute)) {
		t.Fatalf("after 451: %+v (want 2 attempts, a 451 error, retry at +2m)", g)
	}
	if n := len(srv.messages()); n != 0 {
		t.Fatalf("server kept %d messages it refused", n)
	}

	// Back to normal.
	srv.setMode("accept")
	c.Add(2 * time.Minute)
	res, err = d.RunOnce(t.Context())
	if err != nil || res != (Result{Claimed: 1, Sent: 1}) {
		t.Fatalf("RunOnce after recovery = %+v, %v", res, err)
	}
	c.Add(24 * time.Hour)
	if res, _ := d.RunOnce(t.Context()); res.Claimed != 0 {
		t.Errorf("claimed again after delivery: %+v", res)
	}
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want exactly 1", len(got))
	}
	p := parseMessage(t, got[0].Data)
	if p.Subject != "[관문] 권한 신청이 반려되었습니다" || !strings.Contains(p.Body, "사유: 관할 보건소가 아닙니다.") {
		t.Errorf("delivered %q:\n%s", p.Subject, p.Body)
	}
	if g := getMsg(t, s, m.ID); g.Status() != domain.OutboxSent || g.Attempts != 3 || g.LastError != "" {
		t.Errorf("after delivery: %+v", g)
	}
	checkLogs(t, logs.String(), "alice.kim@", "관할 보건소가 아닙니다")
}

// TestPermanentFailure: a 550 reply is retried with back-off up to
// MaxAttempts, then the message is dead and no longer claimed.
func TestPermanentFailure(t *testing.T) {
	srv := startSMTP(t)
	srv.setMode("perm")
	s := openSQLite(t, "")
	c := &clock{t: start}
	var logs bytes.Buffer
	d := newTestDispatcher(s, newTestMailer(t, srv), c, &logs)
	d.MaxAttempts = 3
	msgs, _ := InactiveWarning(site, Recipient{Name: "이밥", Email: "bob.lee@clinic.gwanmun.test"}, start.AddDate(-1, 0, 0), start.AddDate(0, 0, 30))
	m := enqueue(t, s, msgs, start)[0]

	for attempt := 1; attempt <= 3; attempt++ {
		res, err := d.RunOnce(t.Context())
		if err != nil || res.Claimed != 1 {
			t.Fatalf("attempt %d: %+v, %v", attempt, res, err)
		}
		g := getMsg(t, s, m.ID)
		if g.Attempts != attempt || !strings.Contains(g.LastError, "550") {
			t.Fatalf("attempt %d: %+v", attempt, g)
		}
		if strings.Contains(g.LastError, "bob.lee@") {
			t.Errorf("stored error shows the address: %q", g.LastError)
		}
		if attempt < 3 {
			if res.Failed != 1 || g.Status() != domain.OutboxPending {
				t.Fatalf("attempt %d: %+v, status %s", attempt, res, g.Status())
			}
			if want := c.Now().Add(time.Minute << (attempt - 1)); !g.NextAttemptAt.Equal(want) {
				t.Errorf("attempt %d: next %v, want %v", attempt, g.NextAttemptAt, want)
			}
			c.Add(time.Hour)
			continue
		}
		if res.Dead != 1 || g.Status() != domain.OutboxDead || !g.DeadAt.Equal(c.Now()) {
			t.Fatalf("after the last attempt: %+v, %+v", res, g)
		}
	}
	c.Add(24 * time.Hour)
	if res, _ := d.RunOnce(t.Context()); res.Claimed != 0 {
		t.Errorf("a dead message was claimed: %+v", res)
	}
	if len(srv.messages()) != 0 {
		t.Error("the server kept a rejected message")
	}
	checkLogs(t, logs.String(), "bob.lee@")
	if !strings.Contains(logs.String(), "mail given up") {
		t.Errorf("no log of giving up:\n%s", logs.String())
	}
}

// TestTemporaryFailureMaxAge: temporary failures are retried until the
// message is MaxAge old.
func TestTemporaryFailureMaxAge(t *testing.T) {
	srv := startSMTP(t)
	srv.stop()
	s := openSQLite(t, "")
	c := &clock{t: start}
	d := newTestDispatcher(s, newTestMailer(t, srv), c, nil)
	msgs, _ := InactiveWarning(site, Recipient{Email: "u@clinic.gwanmun.test"}, time.Time{}, start.AddDate(0, 0, 30))
	m := enqueue(t, s, msgs, start)[0]
	n := 0
	for ; n < 1000; n++ {
		res, err := d.RunOnce(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if res.Dead == 1 {
			break
		}
		c.Add(time.Hour)
	}
	g := getMsg(t, s, m.ID)
	if g.Status() != domain.OutboxDead || c.Now().Sub(start) < DefaultMaxAge || c.Now().Sub(start) > DefaultMaxAge+time.Hour {
		t.Errorf("dead at %v after %d attempts (%+v); want just after %v", c.Now().Sub(start), n+1, g, DefaultMaxAge)
	}
}

// TestTwoDispatchers runs two dispatchers, each with its own database
// handle (two processes), on one outbox: every message is delivered
// exactly once.
func TestTwoDispatchers(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "gwanmun.db")
		twoDispatchers(t, openSQLite(t, path), openSQLite(t, path))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		u := pgURL(t)
		open := func() *sqlstore.Store {
			s, err := sqlstore.Open(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
		twoDispatchers(t, open(), open())
	})
}

func twoDispatchers(t *testing.T, a, b *sqlstore.Store) {
	srv := startSMTP(t)
	const n = 40
	var all []domain.OutboxMessage
	for i := range n {
		msgs, err := RequestReminder(site, []Recipient{{Name: "승인자", Email: fmt.Sprintf("approver%d@health.gwanmun.test", i)}}, sampleRequest(), 50*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, enqueue(t, a, msgs, start)...)
	}
	c := &clock{t: start.Add(time.Minute)}
	var wg sync.WaitGroup
	for _, s := range []*sqlstore.Store{a, b} {
		d := newTestDispatcher(s, newTestMailer(t, srv), c, nil)
		d.Batch = 3
		wg.Go(func() {
			for {
				res, err := d.RunOnce(t.Context())
				if err != nil {
					t.Error(err)
					return
				}
				if res.Claimed == 0 {
					return
				}
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, r := range srv.messages() {
		p := parseMessage(t, r.Data)
		seen[p.Header.Get("Message-Id")]++
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages delivered, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s delivered %d times", id, k)
		}
	}
	sent, total, err := a.ListOutbox(t.Context(), domain.OutboxFilter{Status: domain.OutboxSent, Limit: 500})
	if err != nil || total != n || len(sent) != n {
		t.Errorf("%d sent in the outbox (%v), want %d", total, err, n)
	}
	for _, m := range sent {
		if m.Attempts != 1 {
			t.Errorf("message %d took %d attempts", m.ID, m.Attempts)
		}
	}
}

// TestRun: the loop delivers on Wake, purges old finished messages, and
// returns when its context ends.
func TestRun(t *testing.T) {
	srv := startSMTP(t)
	s := openSQLite(t, "")
	// An old sent message, due for purging.
	old, _ := InactiveWarning(site, Recipient{Email: "old@clinic.gwanmun.test"}, time.Time{}, start)
	old = enqueue(t, s, old, time.Now().AddDate(0, 0, -40))
	if err := s.MarkMailSent(t.Context(), old[0].ID, time.Now().AddDate(0, 0, -40)); err != nil {
		t.Fatal(err)
	}
	d := NewDispatcher(s, newTestMailer(t, srv), slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	d.Poll = time.Hour // only Wake (and the first pass) can trigger a run
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("the purge", func() bool {
		_, n, err := s.ListOutbox(t.Context(), domain.OutboxFilter{})
		return err == nil && n == 0
	})
	msgs, _ := RequestCreated(site, []Recipient{{Name: "박보건", Email: "park@health.gwanmun.test"}}, sampleRequest())
	enqueue(t, s, msgs, time.Now())
	d.Wake()
	waitFor("delivery after Wake", func() bool { return len(srv.messages()) == 1 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

func TestBackoff(t *testing.T) {
	d := &Dispatcher{Rand: func() float64 { return 0.5 }}
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := d.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	if got := d.Backoff(1000); got != time.Hour {
		t.Errorf("Backoff(1000) = %v", got)
	}
	d.Rand = func() float64 { return 0 }
	if got := d.Backoff(1); got != 48*time.Second {
		t.Errorf("Backoff(1) with the lowest jitter = %v, want 48s", got)
	}
	d.Rand = func() float64 { return 0.999999 }
	if got := d.Backoff(7); got < 71*time.Minute || got > 72*time.Minute {
		t.Errorf("Backoff(7) with the highest jitter = %v, want just under 72m", got)
	}
}

// blockingMailer waits for its context to end.
type blockingMailer struct{ started chan struct{} }

func (b blockingMailer) Send(ctx context.Context, _ domain.OutboxMessage) error {
	close(b.started)
	<-ctx.Done()
	return ctx.Err()
}

// TestStopMidSend: a dispatcher stopped while sending hands the claimed
// messages back, due at once, without a back-off.
func TestStopMidSend(t *testing.T) {
	s := openSQLite(t, "")
	c := &clock{t: start}
	b := blockingMailer{started: make(chan struct{})}
	d := newTestDispatcher(s, b, c, nil)
	msgs, _ := RequestReminder(site, []Recipient{{Email: "a@h.test"}, {Email: "b@h.test"}}, sampleRequest(), time.Hour)
	msgs = enqueue(t, s, msgs, start)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-b.started; cancel() }()
	if _, err := d.RunOnce(ctx); err != context.Canceled {
		t.Fatalf("RunOnce = %v, want context.Canceled", err)
	}
	for _, m := range msgs {
		if g := getMsg(t, s, m.ID); g.Status() != domain.OutboxPending || !g.NextAttemptAt.Equal(start) {
			t.Errorf("after stop: %+v, want pending and due now", g)
		}
	}
}
