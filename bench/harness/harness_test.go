package harness

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	ten := ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 5 * time.Millisecond}, {95, 10 * time.Millisecond}, {99, 10 * time.Millisecond}, {10, time.Millisecond}, {11, 2 * time.Millisecond}, {100, 10 * time.Millisecond}, {0, time.Millisecond}} {
		if got := Percentile(ten, tc.p); got != tc.want {
			t.Errorf("Percentile(1..10 ms, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil) = %v, want 0", got)
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	if got := Percentile(hundred, 99); got != 99*time.Millisecond {
		t.Errorf("p99 of 1..100 ms = %v, want 99ms", got)
	}
}

// countScenario answers from a test server; every third request fails.
type countScenario struct {
	url      string
	prepared int
	calls    atomic.Int64
	seen     []atomic.Bool
}

func (s *countScenario) Name() string { return "count" }
func (s *countScenario) Prepare(ctx context.Context, clients []*http.Client, n int) error {
	s.prepared = n
	s.seen = make([]atomic.Bool, n)
	return nil
}
func (s *countScenario) Do(ctx context.Context, c *http.Client, i int) Outcome {
	s.calls.Add(1)
	if s.seen[i].Swap(true) {
		return Outcome{Code: "duplicate index"}
	}
	path := "/ok"
	if i%3 == 2 {
		path = "/bad"
	}
	resp, err := c.Get(s.url + path)
	if err != nil {
		return Outcome{Err: err}
	}
	Drain(resp.Body, 1024)
	if resp.StatusCode != 200 {
		return Outcome{Status: resp.StatusCode, Code: "teapot"}
	}
	return Outcome{Status: 200, OK: true}
}

func testServer(t *testing.T, delay time.Duration) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunCount(t *testing.T) {
	srv := testServer(t, 0)
	sc := &countScenario{url: srv.URL}
	res, err := Run(context.Background(), Config{Concurrency: 4, N: 30, Duration: time.Minute}, sc, []*http.Client{srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if sc.prepared != 30 || sc.calls.Load() != 30 || res.Requests != 30 {
		t.Fatalf("prepared %d, called %d, counted %d; want 30 each", sc.prepared, sc.calls.Load(), res.Requests)
	}
	if res.OK != 20 || res.Errors["418 teapot"] != 10 || len(res.Errors) != 1 {
		t.Errorf("ok %d, errors %v; want 20 ok and 10 × 418 teapot", res.OK, res.Errors)
	}
	if len(res.Latencies) != 30 || res.Percentile(50) > res.Percentile(99) || res.Latencies[0] <= 0 {
		t.Errorf("latencies not recorded and sorted: %v", res.Latencies)
	}
	lines := res.ErrorLines()
	if len(lines) != 1 || !strings.Contains(lines[0], "418 teapot") {
		t.Errorf("ErrorLines = %q", lines)
	}
	if !strings.Contains(res.Summary(), "requests=30") {
		t.Errorf("Summary = %q", res.Summary())
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	srv := testServer(t, 20*time.Millisecond)
	sc := &countScenario{url: srv.URL}
	start := time.Now()
	res, err := Run(context.Background(), Config{Concurrency: 2, N: 1_000_000, Duration: 200 * time.Millisecond}, sc, []*http.Client{srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("run took %v, want it to stop near 200ms", el)
	}
	if res.Requests == 0 || res.Requests > 100 {
		t.Errorf("made %d requests in 200ms at 20ms each with 2 workers", res.Requests)
	}
	for k := range res.Errors {
		if strings.HasPrefix(k, "transport") {
			t.Errorf("deadline cut-off counted as an error: %v", res.Errors)
		}
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	sc := &countScenario{}
	for _, cfg := range []Config{{Concurrency: 0, N: 1}, {Concurrency: 1, N: 0}} {
		if _, err := Run(context.Background(), cfg, sc, []*http.Client{http.DefaultClient}); err == nil {
			t.Errorf("Run(%+v) accepted", cfg)
		}
	}
	if _, err := Run(context.Background(), Config{Concurrency: 1, N: 1}, sc, nil); err == nil {
		t.Error("Run without clients accepted")
	}
}

func TestGetScenario(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("s"); err != nil || c.Value != "v" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	g := &GetScenario{BaseURL: srv.URL, Path: "/inbox", Cookies: func(i int) []*http.Cookie {
		if i%2 == 0 {
			return []*http.Cookie{{Name: "s", Value: "v"}}
		}
		return nil
	}}
	res, err := Run(context.Background(), Config{Concurrency: 2, N: 10}, g, []*http.Client{srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 5 || res.Errors["401"] != 5 || res.Scenario != "GET /inbox" {
		t.Errorf("got ok %d errors %v name %q", res.OK, res.Errors, res.Scenario)
	}
	if err := (&GetScenario{Path: "x"}).Prepare(context.Background(), nil, 1); err == nil {
		t.Error("relative path accepted")
	}
}

func TestRunRotatesClients(t *testing.T) {
	srv := testServer(t, 0)
	var made atomic.Int64
	cfg := Config{Concurrency: 1, N: 10, PerClient: 3, NewClient: func() *http.Client {
		made.Add(1)
		return &http.Client{Transport: srv.Client().Transport}
	}}
	sc := &countScenario{url: srv.URL}
	res, err := Run(context.Background(), cfg, sc, []*http.Client{srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	// Requests 0-2 on the first client, then new clients at 3, 6 and 9.
	if made.Load() != 3 || res.Requests != 10 {
		t.Errorf("made %d clients for %d requests; want 3 for 10", made.Load(), res.Requests)
	}
}
