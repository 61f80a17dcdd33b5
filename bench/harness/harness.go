// Package harness is the request loop of gwanmun's load driver
// (bench/load): a closed-loop runner that drives a Scenario with a fixed
// number of concurrent clients for a bounded count and time, and the
// statistics of the run (rate, latency percentiles, errors by status and
// code).
//
// A Scenario splits its work into an untimed Prepare (for logins: fetching
// and signing challenges) and the timed Do of one request, so new kinds of
// request (GET pages, the approver inbox, the admin user search) only need a
// new Scenario.
package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario is one kind of timed request.
type Scenario interface {
	// Name identifies the scenario in reports, e.g. "login".
	Name() string
	// Prepare does the untimed work needed before requests 0..n-1 can be
	// made, using clients (one per concurrent worker).
	Prepare(ctx context.Context, clients []*http.Client, n int) error
	// Do makes request i with client and reports its outcome. It is called
	// at most once for each i in [0, n) and from several goroutines at once.
	Do(ctx context.Context, client *http.Client, i int) Outcome
}

// Outcome is the result of one request.
type Outcome struct {
	// Status is the HTTP status; zero when no response arrived.
	Status int
	// Code is the application error code of a refusal (e.g.
	// "cert_not_registered"), or a short reason the scenario found the
	// answer wrong; empty for a success.
	Code string
	// Err is set when no response arrived or it could not be read.
	Err error
	// OK says the request did what it should.
	OK bool
}

// Key returns the outcome's label in error counts: "401 cert_expired",
// "200 no_session", "transport: connection refused"...
func (o Outcome) Key() string {
	if o.Err != nil {
		msg := o.Err.Error()
		if len(msg) > 80 {
			msg = msg[:80]
		}
		return "transport: " + msg
	}
	if o.Code == "" {
		return fmt.Sprint(o.Status)
	}
	return fmt.Sprintf("%d %s", o.Status, o.Code)
}

// Config bounds a run. Every run stops by itself: after N requests, at
// Duration, or when the context ends, whichever comes first.
type Config struct {
	Concurrency int           // concurrent workers, each with its own client; at least 1
	N           int           // requests at most; at least 1
	Duration    time.Duration // wall-clock bound of the timed phase; zero means 10 minutes
	// NewClient and PerClient, when both set, make each worker switch to
	// a new client after PerClient requests, closing the old one's
	// connections: with a client per source address, no address makes more
	// than PerClient requests of the timed phase (see bench/load).
	NewClient func() *http.Client
	PerClient int
}

// MaxDuration is the longest a timed phase may last, whatever Config says.
const MaxDuration = 10 * time.Minute

// Result is the statistics of a run.
type Result struct {
	Scenario    string
	Concurrency int
	Requests    int           // requests made
	OK          int           // requests whose Outcome.OK was set
	Elapsed     time.Duration // wall-clock time of the timed phase
	Prepared    time.Duration // wall-clock time of Prepare (untimed)
	// Latencies of every request made (successful or not), sorted.
	Latencies []time.Duration
	// Errors counts the failed requests by Outcome.Key.
	Errors map[string]int
}

// Rate returns the successful requests per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p <= 100) of the latencies by
// the nearest-rank method, or zero when there are none.
func (r *Result) Percentile(p float64) time.Duration {
	return Percentile(r.Latencies, p)
}

// Percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p percent of the
// values at or below it. It returns zero for an empty slice.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	rank := int(float64(len(sorted))*p/100 + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// Run prepares sc for cfg.N requests and then drives it with
// cfg.Concurrency workers (worker w uses clients[w mod len(clients)]) until
// cfg.N requests are made, cfg.Duration passes or ctx ends. Only the
// second part is timed. A Prepare error ends the run. A Deadliner's
// deadline also ends the timed phase.
func Run(ctx context.Context, cfg Config, sc Scenario, clients []*http.Client) (*Result, error) {
	if cfg.Concurrency < 1 || cfg.N < 1 {
		return nil, fmt.Errorf("harness: concurrency %d and count %d must be at least 1", cfg.Concurrency, cfg.N)
	}
	if len(clients) == 0 {
		return nil, errors.New("harness: no HTTP clients")
	}
	d := cfg.Duration
	if d <= 0 || d > MaxDuration {
		d = MaxDuration
	}
	t0 := time.Now()
	if err := sc.Prepare(ctx, clients, cfg.N); err != nil {
		return nil, fmt.Errorf("%s: prepare: %w", sc.Name(), err)
	}
	prepared := time.Since(t0)
	if dl, ok := sc.(Deadliner); ok {
		left := time.Until(dl.Deadline())
		if left <= 0 {
			return nil, fmt.Errorf("%s: prepared requests expired before the timed phase", sc.Name())
		}
		d = min(d, left)
	}
	res := drive(ctx, cfg, d, sc, clients)
	res.Prepared = prepared
	return res, nil
}

// Deadliner is implemented by scenarios whose prepared requests go stale
// (login challenges expire): Run ends the timed phase at Deadline.
type Deadliner interface {
	Deadline() time.Time
}

// drive is the timed phase of Run.
func drive(ctx context.Context, cfg Config, d time.Duration, sc Scenario, clients []*http.Client) *Result {
	workers, n := cfg.Concurrency, cfg.N
	rotate := cfg.NewClient != nil && cfg.PerClient > 0
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var next atomic.Int64
	type local struct {
		lat    []time.Duration
		ok     int
		errors map[string]int
	}
	locals := make([]local, workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := &locals[w]
			l.lat = make([]time.Duration, 0, n/workers+1)
			l.errors = map[string]int{}
			client := clients[w%len(clients)]
			used := 0
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if rotate && used == cfg.PerClient {
					if w >= len(clients) || client != clients[w] {
						client.CloseIdleConnections()
					}
					client, used = cfg.NewClient(), 0
				}
				used++
				t0 := time.Now()
				o := sc.Do(ctx, client, i)
				el := time.Since(t0)
				if o.Err != nil && ctx.Err() != nil {
					return // cut off by the deadline: not a server error
				}
				l.lat = append(l.lat, el)
				if o.OK {
					l.ok++
				} else {
					l.errors[o.Key()]++
				}
			}
		}()
	}
	wg.Wait()
	res := &Result{Scenario: sc.Name(), Concurrency: workers, Elapsed: time.Since(start), Errors: map[string]int{}}
	for _, l := range locals {
		res.Latencies = append(res.Latencies, l.lat...)
		res.OK += l.ok
		for k, v := range l.errors {
			res.Errors[k] += v
		}
	}
	res.Requests = len(res.Latencies)
	slices.Sort(res.Latencies)
	return res
}

// Summary returns a one-line summary: count, rate and percentiles.
func (r *Result) Summary() string {
	return fmt.Sprintf("%-9s c=%-3d requests=%-6d ok=%-6d %8.1f/s  p50=%-8s p95=%-8s p99=%-8s max=%-8s in %s (setup %s)",
		r.Scenario, r.Concurrency, r.Requests, r.OK, r.Rate(),
		round(r.Percentile(50)), round(r.Percentile(95)), round(r.Percentile(99)), round(r.Percentile(100)),
		r.Elapsed.Round(time.Millisecond), r.Prepared.Round(time.Millisecond))
}

// ErrorLines returns the error counts, largest first, one per line.
func (r *Result) ErrorLines() []string {
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if r.Errors[keys[i]] != r.Errors[keys[j]] {
			return r.Errors[keys[i]] > r.Errors[keys[j]]
		}
		return keys[i] < keys[j]
	})
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = fmt.Sprintf("%6d  %s", r.Errors[k], k)
	}
	return lines
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// Drain reads and closes a response body so its connection can be reused,
// returning at most limit bytes of it.
func Drain(body io.ReadCloser, limit int64) ([]byte, error) {
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, limit))
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, io.LimitReader(body, 1<<20))
	return b, err
}

// GetScenario times GET requests of one path, e.g. "/" or a logged-in page
// such as the approver inbox. Cookies, when set, returns the cookies of
// request i (for instance the session of a logged-in user).
type GetScenario struct {
	Label   string // reported name; default "GET "+Path
	BaseURL string // e.g. "http://127.0.0.1:8080"
	Path    string
	Cookies func(i int) []*http.Cookie
	// Want is the expected status; default 200.
	Want int
}

// Name implements Scenario.
func (g *GetScenario) Name() string {
	if g.Label != "" {
		return g.Label
	}
	return "GET " + g.Path
}

// Prepare implements Scenario; GET requests need no preparation.
func (g *GetScenario) Prepare(ctx context.Context, clients []*http.Client, n int) error {
	if !strings.HasPrefix(g.Path, "/") {
		return fmt.Errorf("path %q does not start with /", g.Path)
	}
	return nil
}

// Do implements Scenario.
func (g *GetScenario) Do(ctx context.Context, client *http.Client, i int) Outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.BaseURL+g.Path, nil)
	if err != nil {
		return Outcome{Err: err}
	}
	if g.Cookies != nil {
		for _, c := range g.Cookies(i) {
			req.AddCookie(c)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return Outcome{Err: err}
	}
	if _, err := Drain(resp.Body, 1<<22); err != nil {
		return Outcome{Status: resp.StatusCode, Err: err}
	}
	want := g.Want
	if want == 0 {
		want = http.StatusOK
	}
	return Outcome{Status: resp.StatusCode, OK: resp.StatusCode == want}
}
