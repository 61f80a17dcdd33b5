package privacy

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/store"
)

// ExportFormat names the version of the export's JSON layout.
const ExportFormat = "gwanmun.personal-data-export/v1"

// Export is everything the portal holds about one user, as the user
// downloads it (개인정보 내려받기). docs/privacy.md describes each field.
// Session token hashes, CSRF tokens and certificate key hashes are left
// out: they are secrets or derived from them, not information about the
// person.
type Export struct {
	Format       string              `json:"format"`
	ExportedAt   time.Time           `json:"exported_at"`
	Account      ExportAccount       `json:"account"`
	Institution  *ExportInstitution  `json:"institution,omitempty"`
	Certificates []ExportCertificate `json:"certificates"`
	Grants       []ExportGrant       `json:"grants"`
	Requests     []ExportRequest     `json:"requests"`
	CertRequests []ExportCertRequest `json:"certificate_requests"`
	Sessions     []ExportSession     `json:"sessions"`
	Mail         []ExportMail        `json:"mail"`
	AuditEvents  []ExportAuditEvent  `json:"audit_events"`
	AccessLog    []ExportAccess      `json:"personal_data_access_log"`
}

// ExportAccount is the account row.
type ExportAccount struct {
	ID                 int64      `json:"id"`
	LoginID            string     `json:"login_id"`
	Name               string     `json:"name"`
	Mobile             string     `json:"mobile"`
	OfficePhone        string     `json:"office_phone"`
	Email              string     `json:"email"`
	Department         string     `json:"department"`
	Position           string     `json:"position"`
	Status             string     `json:"status"`
	ConsentVersion     int        `json:"consent_version"`
	ConsentAt          *time.Time `json:"consent_at"`
	CreatedAt          time.Time  `json:"created_at"`
	LastLoginAt        *time.Time `json:"last_login_at"`
	Pseudonym          string     `json:"pseudonym"`
	MustReregisterCert bool       `json:"must_reregister_certificate"`
}

// ExportInstitution is the user's institution.
type ExportInstitution struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// ExportCertificate is a registered certificate, without its key hash.
type ExportCertificate struct {
	ID           int64      `json:"id"`
	Subject      string     `json:"subject"`
	Issuer       string     `json:"issuer"`
	Serial       string     `json:"serial"`
	Class        string     `json:"class"`
	PolicyOID    string     `json:"policy_oid"`
	NotBefore    *time.Time `json:"not_before"`
	NotAfter     *time.Time `json:"not_after"`
	RegisteredAt time.Time  `json:"registered_at"`
	ReplacedAt   *time.Time `json:"replaced_at"`
	RemovedAt    *time.Time `json:"removed_at"`
}

// ExportGrant is a role the user holds or held.
type ExportGrant struct {
	ID           int64      `json:"id"`
	RoleID       int64      `json:"role_id"`
	Role         string     `json:"role"`
	System       string     `json:"system"`
	RequestID    int64      `json:"request_id,omitempty"`
	GrantedAt    time.Time  `json:"granted_at"`
	ExpiresAt    *time.Time `json:"expires_at"`
	RevokedAt    *time.Time `json:"revoked_at"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
}

// ExportRequest is a role request of the user.
type ExportRequest struct {
	ID            int64      `json:"id"`
	RoleID        int64      `json:"role_id"`
	Role          string     `json:"role"`
	Approver      string     `json:"approver_institution"`
	Status        string     `json:"status"`
	Justification string     `json:"justification"`
	Reason        string     `json:"reason"`
	CreatedAt     time.Time  `json:"created_at"`
	DecidedAt     *time.Time `json:"decided_at"`
}

// ExportCertRequest is a certificate re-registration request.
type ExportCertRequest struct {
	ID        int64      `json:"id"`
	Status    string     `json:"status"`
	Subject   string     `json:"subject"`
	Serial    string     `json:"serial"`
	CreatedAt time.Time  `json:"created_at"`
	DecidedAt *time.Time `json:"decided_at"`
	Reason    string     `json:"reason"`
}

// ExportSession is a live login session, without its token hash.
type ExportSession struct {
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	ClientAddr string    `json:"client_addr"`
	UserAgent  string    `json:"user_agent"`
}

// ExportMail is an e-mail to the user kept in the outbox.
type ExportMail struct {
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Status    string     `json:"status"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at"`
}

// ExportAuditEvent is an audit event the user did (actor) or that is
// about the user, their requests, grants or certificate requests.
type ExportAuditEvent struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"` // pseudonym
	ByUser     bool      `json:"by_user"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	ClientAddr string    `json:"client_addr,omitempty"` // only on the user's own events
	Detail     string    `json:"detail"`
}

// ExportAccess is an entry of the personal-data access log about the
// user: an approver or administrator opened their personal data.
type ExportAccess struct {
	At      time.Time `json:"at"`
	ActorID int64     `json:"viewer_id"`
	Purpose string    `json:"purpose"`
}

func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ExportUser gathers the export of user userID at now.
func ExportUser(ctx context.Context, q store.Queries, userID int64, now time.Time) (*Export, error) {
	u, err := q.GetUser(ctx, userID)
	if err != nil {
		return nil, err
	}
	x := &Export{Format: ExportFormat, ExportedAt: now.UTC(),
		Certificates: []ExportCertificate{}, Grants: []ExportGrant{}, Requests: []ExportRequest{},
		CertRequests: []ExportCertRequest{}, Sessions: []ExportSession{}, Mail: []ExportMail{},
		AuditEvents: []ExportAuditEvent{}, AccessLog: []ExportAccess{}}
	x.Account = ExportAccount{ID: u.ID, LoginID: u.LoginID, Name: u.Name, Mobile: u.Mobile, OfficePhone: u.OfficePhone,
		Email: u.Email, Status: string(u.Status), ConsentVersion: u.ConsentVersion, ConsentAt: tp(u.ConsentAt),
		CreatedAt: u.CreatedAt, LastLoginAt: tp(u.LastLoginAt), Pseudonym: u.Pseudonym, MustReregisterCert: u.MustReregisterCert}
	if u.InstitutionID != 0 {
		in, err := q.GetInstitution(ctx, u.InstitutionID)
		if err != nil {
			return nil, err
		}
		x.Institution = &ExportInstitution{ID: in.ID, Code: in.Code, Name: in.Name, Kind: string(in.Kind)}
	}
	profs, err := q.GetUserProfiles(ctx, []int64{u.ID})
	if err != nil {
		return nil, err
	}
	x.Account.Department, x.Account.Position = profs[u.ID].Department, profs[u.ID].Position

	certs, err := q.ListCertificates(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range certs {
		x.Certificates = append(x.Certificates, ExportCertificate{ID: c.ID, Subject: c.SubjectDN, Issuer: c.IssuerDN,
			Serial: c.Serial, Class: string(c.Class), PolicyOID: c.PolicyOID, NotBefore: tp(c.NotBefore), NotAfter: tp(c.NotAfter),
			RegisteredAt: c.RegisteredAt, ReplacedAt: tp(c.ReplacedAt), RemovedAt: tp(c.RemovedAt)})
	}

	roles := map[int64]domain.Role{}
	systems := map[int64]string{}
	role := func(id int64) (domain.Role, string, error) {
		r, ok := roles[id]
		if !ok {
			var err error
			if r, err = q.GetRole(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return r, "", err
			}
			roles[id] = r
		}
		name, ok := systems[r.SystemID]
		if !ok && r.SystemID != 0 {
			s, err := q.GetSystem(ctx, r.SystemID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return r, "", err
			}
			name = s.Name
			systems[r.SystemID] = name
		}
		return r, name, nil
	}
	var targets [][2]string // (type, id) of the audit targets that are the user's
	targets = append(targets, [2]string{"user", strconv.FormatInt(u.ID, 10)})

	grants, err := allGrants(ctx, q, u.ID)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		r, sys, err := role(g.RoleID)
		if err != nil {
			return nil, err
		}
		x.Grants = append(x.Grants, ExportGrant{ID: g.ID, RoleID: g.RoleID, Role: r.Name, System: sys, RequestID: g.RequestID,
			GrantedAt: g.GrantedAt, ExpiresAt: tp(g.ExpiresAt), RevokedAt: tp(g.RevokedAt), RevokeReason: g.RevokeReason})
		targets = append(targets, [2]string{"grant", strconv.FormatInt(g.ID, 10)})
	}

	insts := map[int64]string{}
	for off := 0; ; off += store.MaxLimit {
		reqs, _, err := q.ListRequests(ctx, store.RequestFilter{UserID: u.ID, Page: store.Page{Offset: off, Limit: store.MaxLimit}})
		if err != nil {
			return nil, err
		}
		for _, rq := range reqs {
			r, _, err := role(rq.RoleID)
			if err != nil {
				return nil, err
			}
			name, ok := insts[rq.ApproverInstitutionID]
			if !ok {
				in, err := q.GetInstitution(ctx, rq.ApproverInstitutionID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return nil, err
				}
				name = in.Name
				insts[rq.ApproverInstitutionID] = name
			}
			x.Requests = append(x.Requests, ExportRequest{ID: rq.ID, RoleID: rq.RoleID, Role: r.Name, Approver: name,
				Status: string(rq.Status), Justification: rq.Justification, Reason: rq.Reason, CreatedAt: rq.CreatedAt,
				DecidedAt: tp(rq.DecidedAt)})
			targets = append(targets, [2]string{"request", strconv.FormatInt(rq.ID, 10)})
		}
		if len(reqs) < store.MaxLimit {
			break
		}
	}

	crs, _, err := q.ListCertRequests(ctx, domain.CertRequestFilter{UserID: u.ID, Limit: store.MaxLimit})
	if err != nil {
		return nil, err
	}
	for _, r := range crs {
		x.CertRequests = append(x.CertRequests, ExportCertRequest{ID: r.ID, Status: string(r.Status), Subject: r.SubjectDN,
			Serial: r.Serial, CreatedAt: r.CreatedAt, DecidedAt: tp(r.DecidedAt), Reason: r.Reason})
		targets = append(targets, [2]string{"cert_request", strconv.FormatInt(r.ID, 10)})
	}

	sessions, err := q.ListUserSessions(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		x.Sessions = append(x.Sessions, ExportSession{CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt,
			ClientAddr: s.ClientAddr, UserAgent: s.UserAgent})
	}

	if u.Email != "" {
		mails, _, err := q.ListOutbox(ctx, domain.OutboxFilter{Recipient: u.Email, Limit: store.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, m := range mails {
			x.Mail = append(x.Mail, ExportMail{Kind: m.Kind, Subject: m.Subject, Body: m.Body, Status: string(m.Status()),
				CreatedAt: m.CreatedAt, SentAt: tp(m.SentAt)})
		}
	}

	// Audit events: by the user, and about the user's things. Merged by
	// sequence number, each once.
	seen := map[int64]bool{}
	var events []domain.AuditEvent
	collect := func(f store.AuditFilter) error {
		for {
			f.Page = store.Page{Limit: store.MaxLimit}
			evs, err := q.ListAudit(ctx, f)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if !seen[e.Seq] {
					seen[e.Seq] = true
					events = append(events, e)
				}
			}
			if len(evs) < store.MaxLimit {
				return nil
			}
			f.AfterSeq = evs[len(evs)-1].Seq
		}
	}
	if err := collect(store.AuditFilter{ActorID: u.ID}); err != nil {
		return nil, err
	}
	for _, tg := range targets {
		if err := collect(store.AuditFilter{TargetType: tg[0], TargetID: tg[1]}); err != nil {
			return nil, err
		}
	}
	sortEvents(events)
	for _, e := range events {
		ev := ExportAuditEvent{Seq: e.Seq, At: e.At, Actor: e.Actor, ByUser: e.ActorID == u.ID, Action: e.Action,
			TargetType: e.TargetType, TargetID: e.TargetID, Detail: e.Detail}
		if ev.ByUser {
			ev.ClientAddr = e.ClientAddr
		}
		x.AuditEvents = append(x.AuditEvents, ev)
	}

	for off := 0; ; off += store.MaxLimit {
		entries, _, err := q.ListPersonalDataAccess(ctx, domain.PersonalDataAccessFilter{SubjectID: u.ID, Offset: off, Limit: store.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, a := range entries {
			x.AccessLog = append(x.AccessLog, ExportAccess{At: a.At, ActorID: a.ActorID, Purpose: a.Purpose})
		}
		if len(entries) < store.MaxLimit {
			break
		}
	}
	return x, nil
}

// sortEvents orders events by sequence number.
func sortEvents(evs []domain.AuditEvent) {
	slices.SortFunc(evs, func(a, b domain.AuditEvent) int { return cmp.Compare(a.Seq, b.Seq) })
}
