package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gwanmun/gwanmun/internal/store"
)

func init() {
	register("audit", command{
		summary: "audit log tools: 'audit verify' checks the hash chain, 'audit purge' deletes past retention, 'audit report' prints the monthly access-log report",
		run:     runAudit,
	})
}

// chainVerifier is a store that checks its audit chain itself, including
// the chain head (sqlstore.Store), which also catches deleted newest
// events.
type chainVerifier interface {
	VerifyAuditChain(ctx context.Context) (badSeq int64, err error)
}

// verifyResult is the outcome of "gwanmun audit verify", also its --json
// output.
type verifyResult struct {
	OK     bool   `json:"ok"`
	Events int64  `json:"events"`         // events in an intact log
	Head   string `json:"head,omitempty"` // hex hash of the last event
	BadSeq int64  `json:"bad_seq,omitempty"`
	// Event describes the first bad event when it still exists.
	Event *verifyEvent `json:"event,omitempty"`
	Error string       `json:"error,omitempty"`
}

type verifyEvent struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type,omitempty"`
	TargetID   string    `json:"target_id,omitempty"`
}

// runAudit implements "gwanmun audit verify [--db URL] [--json]".
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "purge" {
		return runAuditPurge(ctx, args[1:], stdout, stderr) // audit_purge.go
	}
	if len(args) > 0 && args[0] == "report" {
		return runAuditReport(ctx, args[1:], stdout, stderr) // audit_report.go
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprintln(stderr, "usage: gwanmun audit verify|purge|report [--db URL] [--json]")
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return &exitError{code: 2, err: errors.New("audit: sub-commands are verify, purge and report")}
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwanmun audit verify [--db URL] [--json]\n\n"+
			"Walks the audit log's hash chain. Prints OK with the number of events and the\n"+
			"head hash, or names the first edited, inserted or deleted event and exits 1.")
		fs.PrintDefaults()
	}
	db := addDBFlag(fs)
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, err: fmt.Errorf("audit verify: unexpected argument %q", fs.Arg(0))}
	}
	st, err := openStore(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := verifyAudit(ctx, st)
	if err != nil {
		return err
	}
	if *asJSON {
		b, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else if res.OK {
		fmt.Fprintf(stdout, "OK: 감사 로그 무결성 확인 (audit chain intact): %d events, head %s\n", res.Events, res.Head)
	} else {
		fmt.Fprintf(stdout, "BROKEN: 감사 로그 변조 발견 (audit chain broken) at event %d: %s\n", res.BadSeq, res.Error)
		if e := res.Event; e != nil {
			fmt.Fprintf(stdout, "  event %d: %s %s %s/%s\n", e.Seq, e.At.Format(time.RFC3339), e.Action, e.TargetType, e.TargetID)
		}
	}
	if !res.OK {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

// verifyAudit checks st's audit chain: with the store's own check when it
// has one, else store.VerifyAuditChain. A broken chain is a result, not an
// error; errors are failures to read.
func verifyAudit(ctx context.Context, st store.Store) (verifyResult, error) {
	var (
		bad int64
		err error
	)
	if cv, ok := st.(chainVerifier); ok {
		bad, err = cv.VerifyAuditChain(ctx)
	} else {
		bad, err = store.VerifyAuditChain(ctx, st)
	}
	if err != nil && !errors.Is(err, store.ErrChainBroken) {
		return verifyResult{}, err
	}
	if err != nil {
		res := verifyResult{BadSeq: bad, Error: err.Error()}
		evs, lerr := st.ListAudit(ctx, store.AuditFilter{AfterSeq: bad - 1, Page: store.Page{Limit: 1}})
		if lerr == nil && len(evs) == 1 && evs[0].Seq == bad {
			e := evs[0]
			res.Event = &verifyEvent{Seq: e.Seq, At: e.At, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID}
		}
		return res, nil
	}
	res := verifyResult{OK: true}
	last, err := st.ListAuditDesc(ctx, store.AuditFilter{Page: store.Page{Limit: 1}})
	if err != nil {
		return verifyResult{}, err
	}
	if len(last) == 1 {
		res.Events, res.Head = last[0].Seq, hex.EncodeToString(last[0].Hash)
	}
	return res, nil
}
