package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gwanmun/gwanmun/internal/access"
	"github.com/gwanmun/gwanmun/internal/policy"
	"github.com/gwanmun/gwanmun/internal/store"
)

// lifecycleFlags configure the account's later life (issue 18): when
// holders are told that a grant lapses.
type lifecycleFlags struct {
	grantNoticeDays     string // "30,7"
	grantNoticeDaysRole string // "role-code=14,3;other-role=60,30,7"
	privacyPolicyFile   string // the 개인정보 처리방침 in force (package policy)
}

func (f *lifecycleFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.grantNoticeDays, "grant-notice-days", env("GWANMUN_GRANT_NOTICE_DAYS", "30,7"),
		"tell holders this many days before a grant with a lifetime lapses, comma-separated (env GWANMUN_GRANT_NOTICE_DAYS)")
	fs.StringVar(&f.grantNoticeDaysRole, "grant-notice-days-by-role", env("GWANMUN_GRANT_NOTICE_DAYS_BY_ROLE", ""),
		"per-role notice days, e.g. user-medical=14,3;admin-province=60,30 (role codes; env GWANMUN_GRANT_NOTICE_DAYS_BY_ROLE)")
	fs.StringVar(&f.privacyPolicyFile, "privacy-policy-file", env("GWANMUN_PRIVACY_POLICY_FILE", ""),
		"UTF-8 text of the privacy policy (개인정보 처리방침); at start it becomes a new version when it differs from the one in force (env GWANMUN_PRIVACY_POLICY_FILE)")
}

// syncPolicy publishes the configured privacy policy file, if any.
func (f *lifecycleFlags) syncPolicy(ctx context.Context, st store.Store, now time.Time) (bool, error) {
	if f.privacyPolicyFile == "" {
		return false, nil
	}
	b, err := os.ReadFile(f.privacyPolicyFile)
	if err != nil {
		return false, fmt.Errorf("-privacy-policy-file: %w", err)
	}
	added, err := policy.Sync(ctx, st, string(b), now)
	if err != nil {
		return false, fmt.Errorf("-privacy-policy-file %s: %w", f.privacyPolicyFile, err)
	}
	return added, nil
}

// renewal returns the grant renewal configuration from the flags.
func (f *lifecycleFlags) renewal() (access.RenewalConfig, error) {
	var c access.RenewalConfig
	var err error
	if strings.TrimSpace(f.grantNoticeDays) != "" { // empty: the default, 30 and 7
		if c.NoticeDays, err = parseDays(f.grantNoticeDays); err != nil {
			return c, fmt.Errorf("-grant-notice-days: %w", err)
		}
	}
	for _, part := range strings.Split(f.grantNoticeDaysRole, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		code, days, ok := strings.Cut(part, "=")
		code = strings.TrimSpace(code)
		if !ok || code == "" {
			return c, fmt.Errorf("-grant-notice-days-by-role: %q is not ROLE=DAYS", part)
		}
		d, err := parseDays(days)
		if err != nil {
			return c, fmt.Errorf("-grant-notice-days-by-role %s: %w", code, err)
		}
		if c.RoleNoticeDays == nil {
			c.RoleNoticeDays = map[string][]int{}
		}
		c.RoleNoticeDays[code] = d
	}
	return c, nil
}

// parseDays reads "30,7" as whole positive days.
func parseDays(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 366 {
			return nil, fmt.Errorf("%q is not a number of days (1–366)", p)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no days given")
	}
	return out, nil
}
