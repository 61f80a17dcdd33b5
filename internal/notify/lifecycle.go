package notify

import (
	"text/template"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Kinds of the account's later life (issue 18).
const (
	KindGrantExpiring = "grant.expiring"       // to a holder: the grant lapses soon; [연장 신청]
	KindGrantLapsed   = "grant.lapsed"         // to a holder: the grant lapsed, and why
	KindCertExpiring  = "certificate.expiring" // to a user: the registered certificate expires soon
	KindReactivated   = "account.reactivated"  // to a user: the dormant account was reopened
)

func init() {
	for _, kind := range []string{KindGrantExpiring, KindGrantLapsed, KindCertExpiring, KindReactivated} {
		templates[kind] = template.Must(template.New(kind).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, "templates/"+kind+".tmpl"))
	}
}

// Grant describes a grant with a lifetime, as messages show it.
type Grant struct {
	SystemName, RoleName string
	ApproverInstitution  string // who approved it and decides its renewal
	ExpiresAt            time.Time
}

// GrantExpiring builds the notice to a holder whose grant lapses at
// g.ExpiresAt, daysLeft days from now, pointing to [연장 신청].
func GrantExpiring(site Site, holder Recipient, g Grant, daysLeft int) ([]domain.OutboxMessage, error) {
	d := msgData{Role: oneLine(g.RoleName), System: oneLine(g.SystemName), Approver: oneLine(g.ApproverInstitution),
		ExpiresAt: g.ExpiresAt, DaysLeft: daysLeft}
	return build(KindGrantExpiring, site, []Recipient{holder}, d)
}

// GrantLapsed builds the notice to a holder whose grant lapsed, with why
// (e.g. that the renewal was rejected, and the approver's reason).
func GrantLapsed(site Site, holder Recipient, g Grant, why string) ([]domain.OutboxMessage, error) {
	d := msgData{Role: oneLine(g.RoleName), System: oneLine(g.SystemName), Approver: oneLine(g.ApproverInstitution),
		ExpiresAt: g.ExpiresAt, Reason: multiLine(why)}
	return build(KindGrantLapsed, site, []Recipient{holder}, d)
}

// CertExpiring builds the notice to a user whose registered certificate
// expires at expiresAt, daysLeft days from now, pointing to 인증서 변경.
func CertExpiring(site Site, user Recipient, expiresAt time.Time, daysLeft int) ([]domain.OutboxMessage, error) {
	return build(KindCertExpiring, site, []Recipient{user}, msgData{ExpiresAt: expiresAt, DaysLeft: daysLeft})
}

// Reactivated builds the notice to a user who reopened their dormant
// account at at (locked since lockedAt): if it was not them, they call.
func Reactivated(site Site, user Recipient, lockedAt, at time.Time) ([]domain.OutboxMessage, error) {
	return build(KindReactivated, site, []Recipient{user}, msgData{LockAt: lockedAt, DecidedAt: at})
}
