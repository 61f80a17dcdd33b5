package lifecycle

import (
	"context"
	"slices"
	"time"

	"github.com/gwanmun/gwanmun/internal/audit"
	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/notify"
	"github.com/gwanmun/gwanmun/internal/store"
)

// Certificate expiry notices. A user whose registered certificate expires
// within CertNoticeDays is e-mailed once per notice day (the smallest
// reached), and sees a banner after login pointing to 인증서 변경, which
// registers a renewed certificate while the old one still logs in.

// CertNoticeDays are the default notice days before a registered
// certificate expires, largest first.
var CertNoticeDays = []int{30, 7}

const day = 24 * time.Hour

// DaysLeft is the whole days from now until t, rounded up.
func DaysLeft(t, now time.Time) int { return int((t.Sub(now) + day - 1) / day) }

// noticeDay returns the smallest of days whose period the expiry at is
// within at now, or 0.
func noticeDay(days []int, at, now time.Time) int {
	d := 0
	for _, x := range days {
		if x > 0 && !at.After(now.Add(time.Duration(x)*day)) && (d == 0 || x < d) {
			d = x
		}
	}
	return d
}

// CertExpiring returns the user's current certificate that expires within
// the largest notice day of days (default CertNoticeDays), the soonest if
// several, or nil.
func CertExpiring(ctx context.Context, q store.Queries, userID int64, days []int, now time.Time) (*domain.Certificate, error) {
	if len(days) == 0 {
		days = CertNoticeDays
	}
	certs, err := q.ListCertificates(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out *domain.Certificate
	horizon := now.Add(time.Duration(slices.Max(days)) * day)
	for _, c := range certs {
		if !c.Current() || c.NotAfter.IsZero() || c.NotAfter.After(horizon) {
			continue
		}
		if out == nil || c.NotAfter.Before(out.NotAfter) {
			c.DER = nil
			out = &c
		}
	}
	return out, nil
}

// CertExpiryNotices e-mails the users whose registered certificate
// expires within days (default CertNoticeDays), once per certificate and
// notice day, each with its audit event, and returns how many it noticed.
func CertExpiryNotices(ctx context.Context, st store.Store, days []int, mail *Mail, now time.Time) (int, error) {
	if len(days) == 0 {
		days = CertNoticeDays
	}
	by := now.Add(time.Duration(slices.Max(days)) * day)
	sent := 0
	after, afterID := now, int64(0)
	for range 10 {
		certs, err := st.ListCertificatesExpiring(ctx, after, by, afterID, store.MaxLimit)
		if err != nil {
			return sent, err
		}
		for _, c := range certs {
			after, afterID = c.NotAfter, c.ID
			d := noticeDay(days, c.NotAfter, now)
			if d == 0 {
				continue
			}
			did := false
			err := st.InTx(ctx, func(q store.Queries) error {
				did = false
				fresh, err := q.MarkExpiryNotice(ctx, domain.NoticeCertExpiry, c.ID, c.NotAfter, d, now)
				if err != nil || !fresh {
					return err
				}
				did = true
				u, err := q.GetUser(ctx, c.UserID)
				if err != nil {
					return err
				}
				if err := audit.Log(ctx, q, audit.System, "cert.expiry_notice", "user", u.ID,
					map[string]any{"serial": c.Serial, "days": d}, now); err != nil {
					return err
				}
				return mail.enqueue(ctx, q, func(site notify.Site) ([]domain.OutboxMessage, error) {
					return notify.CertExpiring(site, recipient(u), c.NotAfter, DaysLeft(c.NotAfter, now))
				}, now)
			})
			if err != nil {
				return sent, err
			}
			if did {
				sent++
			}
		}
		if len(certs) < store.MaxLimit {
			break
		}
	}
	return sent, nil
}
