// Package firstrun holds what a fresh database needs before anyone can use
// the portal: the default consent text, which `gwanmun migrate` and
// `gwanmun serve` add when none exists, and the first national
// administrator, whom `gwanmun admin bootstrap` registers
// (docs/operations.md, "First day").
package firstrun

import (
	"context"
	_ "embed" // the default consent text
	"errors"
	"fmt"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The default consent texts, oldest first: version 1 is the manual's
// 개인정보 수집(이용) 및 동의 안내; version 2 adds the optional e-mail,
// department and position that signup also collects.
var (
	//go:embed consent-v1.txt
	consentV1 string
	//go:embed consent-v1.en.txt
	consentV1En string
	//go:embed consent-v2.txt
	consentV2 string
	//go:embed consent-v2.en.txt
	consentV2En string
)

// ConsentText returns the default consent text that a fresh database gets:
// the manual's 개인정보 수집(이용) 및 동의 안내, listing exactly what signup
// collects (the required fields and the optional e-mail, department and
// position).
func ConsentText() string { return consentV2 }

// ConsentHistory returns every default consent text, oldest first (the
// demo seeds them all, so that its users meet a consent change).
func ConsentHistory() []string { return []string{consentV1, consentV2} }

// ConsentTranslations returns the English text of each default consent
// text, keyed by the Korean text as stored (web.Config.ConsentTranslations):
// on the English signup page a person reads what they agree to.
func ConsentTranslations() map[string]string {
	return map[string]string{consentV1: consentV1En, consentV2: consentV2En}
}

// errRaced rolls back a default consent version that another process
// added at the same moment.
var errRaced = errors.New("another process added the first consent version")

// EnsureConsent gives a database without any consent text the default one
// as version 1, audited as the system's "consent.version.default". A
// database that has a version (the default or an administrator's) is left
// alone. It reports whether it added the version. Safe when several
// processes start at once on one PostgreSQL database: AddConsentVersion
// numbers versions under a table lock, and a default that did not come out
// as version 1 is rolled back.
func EnsureConsent(ctx context.Context, st store.Store, now time.Time) (domain.ConsentVersion, bool, error) {
	var c domain.ConsentVersion
	added := false
	err := st.InTx(ctx, func(q store.Queries) error {
		latest, err := q.LatestConsentVersion(ctx)
		if err == nil {
			c = latest
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		c = domain.ConsentVersion{Text: ConsentText(), CreatedAt: now}
		if err := q.AddConsentVersion(ctx, &c); err != nil {
			return err
		}
		if c.Version != 1 {
			return errRaced
		}
		added = true
		return audit.Log(ctx, q, audit.System, "consent.version.default", "consent", int64(c.Version),
			map[string]any{"version": c.Version}, now)
	})
	if errors.Is(err, errRaced) {
		c, err = st.LatestConsentVersion(ctx)
		return c, false, err
	}
	if err != nil {
		return c, false, fmt.Errorf("default consent text: %w", err)
	}
	return c, added, nil
}
