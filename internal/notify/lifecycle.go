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

// Kinds of a change of institution.
const (
	KindInstChangeRequested = "institution_change.requested" // to the new jurisdiction's approvers
	KindInstChangeDecided   = "institution_change.decided"   // to the user: confirmed or rejected
)

func init() {
	for _, kind := range []string{KindInstChangeRequested, KindInstChangeDecided} {
		templates[kind] = template.Must(template.New(kind).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, "templates/"+kind+".tmpl"))
	}
}

// InstitutionChange describes a change of institution, as messages show
// it.
type InstitutionChange struct {
	UserName    string // shown masked to approvers
	From, To    string // institution names
	Centre      string // the confirming health centre
	RequestedAt time.Time
}

// InstitutionChangeRequested builds the notices to the approvers of the
// new institution's jurisdiction centre.
func InstitutionChangeRequested(site Site, approvers []Recipient, c InstitutionChange) ([]domain.OutboxMessage, error) {
	return build(KindInstChangeRequested, site, approvers, msgData{ApplicantName: oneLine(c.UserName),
		ApplicantInstitution: oneLine(c.From), Approver: oneLine(c.Centre), System: oneLine(c.To), RequestedAt: c.RequestedAt})
}

// InstitutionChangeDecided builds the notice to the user of a decision;
// revoked counts the grants the confirmed change revoked.
func InstitutionChangeDecided(site Site, user Recipient, c InstitutionChange, approved bool, reason string, revoked int) ([]domain.OutboxMessage, error) {
	d := msgData{ApplicantInstitution: oneLine(c.From), System: oneLine(c.To), RequestedAt: c.RequestedAt,
		Decision: "rejected", Reason: multiLine(reason), DaysLeft: revoked}
	if approved {
		d.Decision = "approved"
	}
	return build(KindInstChangeDecided, site, []Recipient{user}, d)
}
