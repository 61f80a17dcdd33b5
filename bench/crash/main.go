// Command crash is the crash test of docs/performance.md: under a mixed
// load of logins, role requests, approvals and relinquishments, it kills
// `gwanmun serve` with SIGKILL at random moments, restarts it, and then
// checks that every action that got a success response is in the
// database, that nothing is half-made (an approved request has exactly one
// grant, every request its audit event) and that the audit chain verifies.
//
//	go run ./bench/crash [-db URL] [-kills 30] [-min-up 300ms] [-max-up 3s]
//
// Without -db it uses a fresh SQLite file in a temporary directory. With a
// postgres:// URL the database should be empty (e.g. a new one from
// createdb). The short CI version is TestCrash in this package.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "crash:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("crash", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var o Options
	fl.StringVar(&o.DB, "db", "", "database (default: a new SQLite file in -dir)")
	fl.StringVar(&o.Dir, "dir", "", "work directory for the CA, the binary and the server logs (default: a temporary one, removed on success)")
	fl.IntVar(&o.Kills, "kills", 30, "how many times to SIGKILL the server")
	fl.DurationVar(&o.MinUp, "min-up", 300*time.Millisecond, "shortest time under load before a kill")
	fl.DurationVar(&o.MaxUp, "max-up", 3*time.Second, "longest time under load before a kill")
	fl.IntVar(&o.Applicants, "applicants", 8, "concurrent applicants (each a user with a real key)")
	fl.Uint64Var(&o.Seed, "seed", uint64(time.Now().UnixNano()), "random seed")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if o.Kills < 1 || o.Applicants < 1 || o.MaxUp < o.MinUp || o.MinUp <= 0 {
		return errors.New("need -kills ≥ 1, -applicants ≥ 1 and 0 < -min-up ≤ -max-up")
	}
	keep := o.Dir != ""
	if !keep {
		d, err := os.MkdirTemp("", "gwanmun-crash-")
		if err != nil {
			return err
		}
		o.Dir = d
	}
	if o.DB == "" {
		o.DB = filepath.Join(o.Dir, "crash.db")
	}
	o.Bin = filepath.Join(o.Dir, "gwanmun")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", o.Bin, "./cmd/gwanmun").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/gwanmun (run from the repository root): %v\n%s", err, out)
	}
	o.Log = stdout
	fmt.Fprintf(stdout, "crash test: %d kills, seed %d, work directory %s\n", o.Kills, o.Seed, o.Dir)
	rep, err := Run(ctx, o)
	if err != nil {
		return fmt.Errorf("%w (logs in %s)", err, o.Dir)
	}
	fmt.Fprintf(stdout, "%d kills; success responses: %d logins, %d requests, %d approvals, %d relinquished; %d requests without one\n",
		rep.Kills, rep.Logins, rep.Requests, rep.Approvals, rep.Relinquish, rep.Failures)
	if len(rep.Problems) > 0 {
		for _, p := range rep.Problems {
			fmt.Fprintln(stdout, "PROBLEM:", p)
		}
		return fmt.Errorf("%d problems (logs in %s)", len(rep.Problems), o.Dir)
	}
	fmt.Fprintln(stdout, "every success is stored, nothing half-made, audit chain intact")
	if !keep {
		os.RemoveAll(o.Dir)
	}
	return nil
}
