package e2e

import (
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core, vendored by scripts/vendor-axe.sh.
//
//go:embed testdata/axe.min.js
var axeSource string

// axeViolation is one rule that failed in axe.run's results.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target         any    `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// String describes the violation for a test failure: the rule, its
// impact and help text, and each offending element with axe's summary.
func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s: %s (%s)", v.Impact, v.ID, v.Help, v.HelpURL)
	for i, n := range v.Nodes {
		if i == 5 {
			fmt.Fprintf(&b, "\n    ... and %d more", len(v.Nodes)-i)
			break
		}
		html := n.HTML
		if len(html) > 160 {
			html = html[:160] + "…"
		}
		fmt.Fprintf(&b, "\n    at %v: %s\n      %s", n.Target, html,
			strings.ReplaceAll(strings.TrimSpace(n.FailureSummary), "\n", "\n      "))
	}
	return b.String()
}

// checkA11y runs axe-core on the tab's current page (injecting it once per
// page) and fails the test on any violation of impact serious or critical;
// minor and moderate ones are logged. page names the page in the report.
func checkA11y(t *testing.T, tab context.Context, page string) {
	t.Helper()
	if !get(t, tab, "axe-core on "+page, chromedp.Evaluate[bool](`typeof window.axe === 'object'`)) {
		if !get(t, tab, "inject axe-core on "+page, chromedp.Evaluate[bool](axeSource+"\n;typeof window.axe === 'object'")) {
			t.Fatalf("axe-core did not load on %s", page)
		}
	}
	vs := get(t, tab, "axe.run on "+page, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
	var bad, other []string
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			bad = append(bad, v.String())
		} else {
			other = append(other, v.String())
		}
	}
	if len(other) > 0 {
		t.Logf("axe-core on %s: %d minor or moderate violation(s):\n  %s", page, len(other), strings.Join(other, "\n  "))
	}
	if len(bad) > 0 {
		t.Errorf("axe-core on %s: %d serious or critical violation(s):\n  %s", page, len(bad), strings.Join(bad, "\n  "))
	}
}
