// Package store defines gwanmun's storage interface. The sqlstore package
// implements it on SQLite and PostgreSQL; storetest holds the conformance
// suite that both must pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Sentinel errors. Methods wrap them; test with errors.Is.
var (
	ErrNotFound      = errors.New("not found")
	ErrAlreadyExists = errors.New("already exists") // unique constraint
	ErrConflict      = errors.New("state conflict") // e.g. request already decided
)

// Store is the storage of a gwanmun portal. Every method is safe for
// concurrent use, also by several processes sharing one PostgreSQL database.
type Store interface {
	Queries
	// InTx runs fn in one transaction: all of its writes commit together or
	// not at all. fn must not retain tx after it returns.
	InTx(ctx context.Context, fn func(tx Queries) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Page selects a window of a list. Limit zero means a default of 50.
type Page struct {
	Offset int
	Limit  int
}

// Queries are the reads and writes, usable alone or inside InTx.
type Queries interface {
	SessionQueries   // sessions.go
	ReviewStore      // periodic access reviews (review.go)
	RetentionStore   // audit and access-log purges past retention (retention.go)
	AccessLogStore   // the monthly access-log report (accesslog.go)
	LifecycleQueries // lifecycle.go: renewals, expiry notices
	// Institutions.
	CreateInstitution(ctx context.Context, in *domain.Institution) error // sets ID; ErrAlreadyExists on duplicate code
	UpdateInstitution(ctx context.Context, in *domain.Institution) error
	GetInstitution(ctx context.Context, id int64) (domain.Institution, error)
	GetInstitutionByCode(ctx context.Context, code string) (domain.Institution, error)
	// GetInstitutions returns the institutions with the given IDs (absent
	// when missing), for list pages.
	GetInstitutions(ctx context.Context, ids []int64) (map[int64]domain.Institution, error)
	// ListInstitutions returns institutions whose name or code contains q
	// (all when q is empty), of the given kind (any when empty), by name.
	ListInstitutions(ctx context.Context, f InstitutionFilter) ([]domain.Institution, int, error)
	// JurisdictionCentre returns the health centre with jurisdiction over an
	// institution: itself if it is one, else the nearest ancestor that is.
	JurisdictionCentre(ctx context.Context, institutionID int64) (domain.Institution, error)

	// Users.
	CreateUser(ctx context.Context, u *domain.User) error // ErrAlreadyExists on duplicate login ID
	UpdateUser(ctx context.Context, u *domain.User) error
	GetUser(ctx context.Context, id int64) (domain.User, error)
	GetUserByLoginID(ctx context.Context, loginID string) (domain.User, error)
	// Login makes a certificate login's writes, all or none, and reports
	// what it found (see LoginAttempt and LoginResult). It consumes the
	// challenge whatever the outcome.
	Login(ctx context.Context, a LoginAttempt) (LoginResult, error)
	// GetUsers returns the users with the given IDs (absent when missing),
	// for list pages: one statement per 500 IDs instead of one per row.
	GetUsers(ctx context.Context, ids []int64) (map[int64]domain.User, error)
	ListUsers(ctx context.Context, f UserFilter) ([]domain.User, int, error)

	// Certificates.
	AddCertificate(ctx context.Context, c *domain.Certificate) error // ErrAlreadyExists when KeyHash is registered
	GetCertificateByKeyHash(ctx context.Context, keyHash []byte) (domain.Certificate, error)
	ListCertificates(ctx context.Context, userID int64) ([]domain.Certificate, error)
	// CurrentCertificates returns each given user's current certificate
	// (the newest if several); users without one are absent.
	CurrentCertificates(ctx context.Context, userIDs []int64) (map[int64]domain.Certificate, error)
	// ReplaceCertificates marks every current certificate of userID except
	// keepID as replaced at t.
	ReplaceCertificates(ctx context.Context, userID, keepID int64, t time.Time) error

	// Systems, menus, roles.
	CreateSystem(ctx context.Context, s *domain.System) error
	UpdateSystem(ctx context.Context, s *domain.System) error
	GetSystem(ctx context.Context, id int64) (domain.System, error)
	GetSystemByCode(ctx context.Context, code string) (domain.System, error)
	ListSystems(ctx context.Context) ([]domain.System, error)
	CreateMenu(ctx context.Context, m *domain.Menu) error
	UpdateMenu(ctx context.Context, m *domain.Menu) error
	ListMenus(ctx context.Context, systemID int64) ([]domain.Menu, error)
	CreateRole(ctx context.Context, r *domain.Role) error
	UpdateRole(ctx context.Context, r *domain.Role) error
	GetRole(ctx context.Context, id int64) (domain.Role, error)
	GetRoleByCode(ctx context.Context, systemID int64, code string) (domain.Role, error)
	ListRoles(ctx context.Context, systemID int64) ([]domain.Role, error) // systemID 0: all

	// Role requests. At most one pending request per user and role
	// (ErrAlreadyExists otherwise).
	CreateRequest(ctx context.Context, r *domain.RoleRequest) error
	GetRequest(ctx context.Context, id int64) (domain.RoleRequest, error)
	ListRequests(ctx context.Context, f RequestFilter) ([]domain.RoleRequest, int, error)
	// DecideRequest moves a pending request to status (approved, rejected,
	// cancelled or expired) at t. It returns ErrConflict, with the request
	// as it now stands, when it was no longer pending: a request is decided
	// once.
	DecideRequest(ctx context.Context, id int64, status domain.RequestStatus, deciderID int64, reason string, t time.Time) (domain.RoleRequest, error)
	MarkRequestReminded(ctx context.Context, id int64, t time.Time) error
	MarkRequestEscalated(ctx context.Context, id int64, t time.Time) error
	// PendingRoutes returns the distinct (approving institution, role)
	// pairs of the pending requests not yet escalated.
	PendingRoutes(ctx context.Context) ([]RequestRoute, error)
	// PendingOfInactive returns up to limit pending requests whose
	// applicant is locked or withdrawn, in no particular order.
	PendingOfInactive(ctx context.Context, limit int) ([]domain.RoleRequest, error)

	// Grants. At most one active grant per user and role.
	CreateGrant(ctx context.Context, g *domain.Grant) error
	RevokeGrant(ctx context.Context, id, by int64, reason string, t time.Time) error // ErrConflict if already revoked
	ListGrants(ctx context.Context, f GrantFilter) ([]domain.Grant, error)
	// CountGrants counts the grants f selects (its Page aside), stopping
	// at limit: a result of limit means limit or more.
	CountGrants(ctx context.Context, f GrantFilter, limit int) (int, error)

	// Consent texts.
	AddConsentVersion(ctx context.Context, c *domain.ConsentVersion) error // sets Version to the next number
	LatestConsentVersion(ctx context.Context) (domain.ConsentVersion, error)

	// Audit log. AppendAudit records the event with the caller's writes;
	// the store chains it to the log shortly after (Seq, PrevHash and Hash
	// are given then, not to e). ListAudit (and ListAuditDesc) chain the
	// events still waiting first, so they list every committed event.
	AppendAudit(ctx context.Context, e *domain.AuditEvent) error
	ListAudit(ctx context.Context, f AuditFilter) ([]domain.AuditEvent, error)

	// Sessions.
	CreateSession(ctx context.Context, s *domain.Session) error
	GetSession(ctx context.Context, id string) (domain.Session, error)
	TouchSession(ctx context.Context, id string, t time.Time) error
	// ConfirmSession records that the session's user re-signed at t.
	ConfirmSession(ctx context.Context, id string, t time.Time) error
	DeleteSession(ctx context.Context, id string) error
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)
	DeleteExpiredSessions(ctx context.Context, idleBefore, now time.Time) (int, error)

	// Login challenges. ConsumeChallenge marks the nonce used at t and
	// returns it, atomically: of two concurrent calls one gets ErrConflict.
	// It returns ErrNotFound for an unknown nonce and ErrConflict for a used
	// one; expiry is the caller's check.
	CreateChallenge(ctx context.Context, c *domain.Challenge) error
	ConsumeChallenge(ctx context.Context, nonce string, t time.Time) (domain.Challenge, error)
	DeleteExpiredChallenges(ctx context.Context, before time.Time) (int, error)

	// Signup drafts (the wizard's state before an account exists).
	// PutSignupDraft creates or replaces the draft with d.ID.
	PutSignupDraft(ctx context.Context, d *domain.SignupDraft) error
	GetSignupDraft(ctx context.Context, id string) (domain.SignupDraft, error)
	DeleteExpiredSignupDrafts(ctx context.Context, before time.Time) (int, error)

	// Mail outbox (package notify; docs/notifications.md). EnqueueMail
	// inside InTx commits a message together with the event it reports.
	// ClaimDueMail atomically takes up to limit pending messages due at now,
	// oldest due first, counts an attempt on each and pushes its
	// NextAttemptAt to now+lease, so that concurrent claimers (also in other
	// processes) never get the same message while the lease runs. The Mark
	// methods record the outcome of an attempt; they return ErrNotFound for
	// an unknown ID and ErrConflict for a message already sent or dead.
	// PurgeOutbox deletes sent and dead messages finished before before.
	EnqueueMail(ctx context.Context, m *domain.OutboxMessage) error // sets ID
	ClaimDueMail(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]domain.OutboxMessage, error)
	MarkMailSent(ctx context.Context, id int64, t time.Time) error
	MarkMailFailed(ctx context.Context, id int64, errText string, next time.Time) error
	MarkMailDead(ctx context.Context, id int64, errText string, t time.Time) error
	ListOutbox(ctx context.Context, f domain.OutboxFilter) ([]domain.OutboxMessage, int, error)
	PurgeOutbox(ctx context.Context, before time.Time) (int, error)

	// Certificate re-registration requests (a user whose certificate
	// expired registers a new one; their health centre confirms). At most
	// one pending request per user, and a key hash in at most one pending
	// request: CreateCertRequest returns ErrAlreadyExists otherwise.
	// DecideCertRequest moves a pending request to status (approved,
	// rejected or cancelled) at t; it returns ErrConflict, with the request
	// as it now stands, when it was no longer pending.
	CreateCertRequest(ctx context.Context, r *domain.CertRequest) error // sets ID
	GetCertRequest(ctx context.Context, id int64) (domain.CertRequest, error)
	ListCertRequests(ctx context.Context, f domain.CertRequestFilter) ([]domain.CertRequest, int, error)
	DecideCertRequest(ctx context.Context, id int64, status domain.CertRequestStatus, deciderID int64, reason string, t time.Time) (domain.CertRequest, error)

	// Admin console (issue 7: users, institutions, personal-data access
	// log, audit viewer). LogPersonalDataAccess appends an entry (sets ID;
	// Purpose required). SearchUsers is ListUsers with institution-subtree
	// scope and sort orders; it counts at most domain.UserCountCap matches
	// (capped reports that more match; total is then UserCountCap), and a
	// query of up to domain.ShortQuery characters matches the start of the
	// name, given name or login ID only. InstitutionStats counts children
	// and users of each of ids (absent ids count zero). ListAuditDesc is
	// ListAudit newest first.
	LogPersonalDataAccess(ctx context.Context, a *domain.PersonalDataAccess) error
	ListPersonalDataAccess(ctx context.Context, f domain.PersonalDataAccessFilter) ([]domain.PersonalDataAccess, int, error)
	SearchUsers(ctx context.Context, f domain.UserSearch) (users []domain.User, total int, capped bool, err error)
	InstitutionStats(ctx context.Context, ids []int64) (map[int64]domain.InstitutionStats, error)
	ListAuditDesc(ctx context.Context, f AuditFilter) ([]domain.AuditEvent, error)

	// Boards (게시판): posts of a system's boards or, with SystemID zero,
	// of the portal's notices board, and their attachments (stored in the
	// database). Only live posts are read; DeletePost marks a post deleted
	// and removes its attachments. ListPosts gives pinned posts first, then
	// newest first. AddAttachment sets ID, Size and SHA256 from Data and
	// returns ErrNotFound for a missing or deleted post; ListAttachments
	// leaves Data empty, GetAttachment fills it.
	CreatePost(ctx context.Context, p *domain.Post) error // sets ID
	UpdatePost(ctx context.Context, p *domain.Post) error
	DeletePost(ctx context.Context, id int64, t time.Time) error
	GetPost(ctx context.Context, id int64) (domain.Post, error)
	ListPosts(ctx context.Context, f domain.PostFilter) ([]domain.Post, int, error)
	AddAttachment(ctx context.Context, a *domain.Attachment) error
	ListAttachments(ctx context.Context, postID int64) ([]domain.Attachment, error)
	GetAttachment(ctx context.Context, id int64) (domain.Attachment, error)
	DeleteAttachment(ctx context.Context, id int64) error
	// ListConsentVersions returns a page of the consent texts, newest
	// first, and how many there are (the consent administration page).
	ListConsentVersions(ctx context.Context, p Page) ([]domain.ConsentVersion, int, error)

	// API tokens of integrating systems (JSON API, docs/api.md). The store
	// keeps the SHA-256 of the secret only; CreateAPIToken returns
	// ErrAlreadyExists for a hash already stored. RevokeAPIToken returns
	// ErrConflict for a token already revoked; TouchAPIToken records a use
	// (never moving the last-use time back). ListAPITokens lists newest
	// first with the total.
	CreateAPIToken(ctx context.Context, t *domain.APIToken) error // sets ID
	GetAPIToken(ctx context.Context, id int64) (domain.APIToken, error)
	GetAPITokenByHash(ctx context.Context, hash []byte) (domain.APIToken, error)
	ListAPITokens(ctx context.Context, p Page) ([]domain.APIToken, int, error)
	RevokeAPIToken(ctx context.Context, id, by int64, t time.Time) error
	TouchAPIToken(ctx context.Context, id int64, t time.Time) error

	// The trust store's reload generation (issue 7), shared by every
	// process on the database: BumpTrustGeneration adds one to it,
	// recording by (who asked, from which process) and t, and returns the
	// new value; TrustGeneration returns it and its last by (0 and "" before
	// the first bump). A process reloads its trust when the value grew.
	BumpTrustGeneration(ctx context.Context, by string, t time.Time) (int64, error)
	TrustGeneration(ctx context.Context) (gen int64, by string, err error)

	// Privacy: withdrawal, personal-data export, inactive accounts
	// (package privacy, docs/privacy.md). EraseUserData deletes or blanks,
	// in one transaction, the personal data held about a user outside the
	// users row: sessions and certificate rows are deleted, the subject and
	// DER of certificate re-registration requests and the justifications of
	// role requests blanked, outbox messages to email deleted.
	// ListUsersToWarn and ListUsersToLock select pending or active users
	// whose last activity (last login, else signup) is before idleSince:
	// those not yet warned in that idle period, and those warned before
	// warnedBefore. MarkInactiveWarned records a warning at t unless one at
	// or after since exists (true when it recorded one); LockInactiveUser
	// locks a still idle user and forgets the warning (true when it
	// locked). ReleaseWithdrawnLoginIDs frees the login IDs of users who
	// withdrew before before (they become "~" + ID) and returns their IDs.
	EraseUserData(ctx context.Context, userID int64, email string) error
	ListUserSessions(ctx context.Context, userID int64) ([]domain.Session, error)
	ListUsersToWarn(ctx context.Context, idleSince time.Time, limit int) ([]domain.User, error)
	ListUsersToLock(ctx context.Context, idleSince, warnedBefore time.Time, limit int) ([]domain.User, error)
	MarkInactiveWarned(ctx context.Context, userID int64, since, t time.Time) (bool, error)
	LockInactiveUser(ctx context.Context, userID int64, idleSince, t time.Time) (bool, error)
	ReleaseWithdrawnLoginIDs(ctx context.Context, before, t time.Time, limit int) ([]int64, error)

	// Admin console: institutions (/admin/institutions). SearchInstitutions
	// returns a page of the matching institutions in the chosen order and
	// how many match in all; an unknown sort key is an EINVALID error.
	SearchInstitutions(ctx context.Context, f InstitutionSearch) ([]domain.Institution, int, error)

	SSOStore // the OpenID Connect provider (sso.go)
}

// InstitutionFilter selects institutions.
type InstitutionFilter struct {
	Query    string // substring of name or code
	Kind     domain.InstitutionKind
	ParentID int64
	Region   string // region code prefix
	Page
}

// UserFilter selects users.
type UserFilter struct {
	Query         string // substring of name or login ID
	InstitutionID int64
	Status        domain.UserStatus
	CertSerial    string
	Page
}

// RequestFilter selects role requests, oldest first unless NewestFirst.
type RequestFilter struct {
	UserID                int64
	RoleID                int64
	ApproverInstitutionID int64
	// RoleIDs and ApproverInstitutionIDs, when not nil, restrict to those
	// (an empty list matches nothing).
	RoleIDs                []int64
	ApproverInstitutionIDs []int64
	Escalated              bool // only requests escalated to province administrators
	Decided                bool // only requests no longer pending
	NewestFirst            bool
	Status                 domain.RequestStatus
	CreatedBefore          time.Time
	CreatedAfter           time.Time
	// Applicant, when not blank, keeps requests whose applicant's name or
	// login ID contains it, in any case.
	Applicant string
	// Unreminded and Unescalated keep pending requests whose approvers
	// were not reminded yet, or that were not escalated yet (partial
	// indexes of migration 00021): what the periodic sweep acts on.
	Unreminded, Unescalated bool
	// CountCap, when positive, stops the total at CountCap+1 ("more than
	// CountCap"): an exact count reads every matching row.
	CountCap int
	Page
}

// RequestRoute is where requests go: the approving institution and the
// role asked for.
type RequestRoute struct {
	ApproverInstitutionID, RoleID int64
}

// GrantFilter selects grants.
type GrantFilter struct {
	UserID int64
	RoleID int64
	// RoleIDs, when not nil, restricts to those roles (empty: none).
	RoleIDs []int64
	// UnderInstitutionID, when set, keeps grants of users of that
	// institution or one below it.
	UnderInstitutionID int64
	ActiveAt           time.Time // when set, only grants in force at that time
	// LapsedBy, when set, selects grants whose lifetime ended by then but
	// that were not yet revoked (the expiry job revokes them).
	LapsedBy time.Time
	Page
}

// AuditFilter selects audit events in sequence order.
type AuditFilter struct {
	ActorID    int64
	Action     string
	TargetType string
	TargetID   string
	From, To   time.Time
	AfterSeq   int64
	Page
}

// LoginAttempt is a certificate login, its signature already verified.
// It succeeds when the challenge Nonce, unused until now, is for Purpose
// and Origin and expires after At; the certificate with KeyHash is
// registered and current; and its user is neither locked nor withdrawn.
// Then, all at once: the user's last login time becomes At, OldSession
// (if any) is deleted, Session is created for the user and the
// certificate, and Audit is recorded with the user as actor and target.
type LoginAttempt struct {
	Nonce           string
	Purpose, Origin string
	KeyHash         []byte
	At              time.Time
	// OldSession is the ID of a session the new one replaces, or "".
	OldSession string
	// Session is the new session; the store sets UserID, CertID,
	// CreatedAt and LastSeenAt (At).
	Session domain.Session
	// Audit is the login's event; the store sets At, ActorID, Actor (the
	// user's pseudonym) and TargetID (the user's ID). Its ClientAddr,
	// Action, TargetType and Detail are the caller's.
	Audit domain.AuditEvent
}

// LoginResult is what Login found.
type LoginResult struct {
	// Consumed: this call used the challenge, now in Challenge. Replayed:
	// the nonce was used before. Neither: no such nonce.
	Consumed, Replayed bool
	Challenge          domain.Challenge
	// Cert is the certificate registered with the key (zero ID: none),
	// without its DER (the caller has the certificate), and User its user
	// as found, with LastLoginAt set when LoggedIn.
	Cert domain.Certificate
	User domain.User
	// LoggedIn: the session, login time and audit event were written.
	LoggedIn bool
}
