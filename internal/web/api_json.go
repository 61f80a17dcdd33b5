package web

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
	"github.com/gwanmun/gwanmun/internal/pki"
	"github.com/gwanmun/gwanmun/internal/store"
)

// The API's JSON shapes (components.schemas in internal/api/openapi.json).
// Field names are lowerCamelCase; absent times are omitted.

type jsonInstitution struct {
	ID         int64  `json:"id"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	ParentID   int64  `json:"parentId,omitempty"`
	RegionCode string `json:"regionCode,omitempty"`
	Address    string `json:"address,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Retired    bool   `json:"retired,omitempty"`
}

func instJSON(in domain.Institution) jsonInstitution {
	return jsonInstitution{ID: in.ID, Code: in.Code, Name: in.Name, Kind: string(in.Kind), ParentID: in.ParentID,
		RegionCode: in.RegionCode, Address: in.Address, Phone: in.Phone, Retired: !in.RetiredAt.IsZero()}
}

type jsonUser struct {
	ID                 int64      `json:"id"`
	LoginID            string     `json:"loginId"`
	Name               string     `json:"name"`
	InstitutionID      int64      `json:"institutionId"`
	Mobile             string     `json:"mobile,omitempty"`
	OfficePhone        string     `json:"officePhone,omitempty"`
	Email              string     `json:"email,omitempty"`
	Status             string     `json:"status"`
	CreatedAt          *time.Time `json:"createdAt,omitempty"`
	LastLoginAt        *time.Time `json:"lastLoginAt,omitempty"`
	MustReregisterCert bool       `json:"mustReregisterCert,omitempty"`
}

func userJSON(u domain.User) jsonUser {
	return jsonUser{ID: u.ID, LoginID: u.LoginID, Name: u.Name, InstitutionID: u.InstitutionID, Mobile: u.Mobile,
		OfficePhone: u.OfficePhone, Email: u.Email, Status: string(u.Status), CreatedAt: tp(u.CreatedAt),
		LastLoginAt: tp(u.LastLoginAt), MustReregisterCert: u.MustReregisterCert}
}

type jsonSystem struct {
	ID          int64  `json:"id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Retired     bool   `json:"retired,omitempty"`
}

func systemJSON(s domain.System) jsonSystem {
	return jsonSystem{ID: s.ID, Code: s.Code, Name: s.Name, Description: s.Description, Retired: !s.RetiredAt.IsZero()}
}

type jsonRole struct {
	ID                int64    `json:"id"`
	SystemID          int64    `json:"systemId"`
	Code              string   `json:"code"`
	Name              string   `json:"name"`
	Description       string   `json:"description,omitempty"`
	RequestableBy     []string `json:"requestableBy"`
	ApproverKind      string   `json:"approverKind"`
	ApproverRoleID    int64    `json:"approverRoleId,omitempty"`
	NeedsPersonalCert bool     `json:"needsPersonalCert"`
	GrantLifetimeDays int      `json:"grantLifetimeDays,omitempty"`
	Admin             bool     `json:"admin,omitempty"`
	Retired           bool     `json:"retired,omitempty"`
}

func roleJSON(r domain.Role) jsonRole {
	kinds := make([]string, 0, len(r.RequestableBy))
	for _, k := range r.RequestableBy {
		kinds = append(kinds, string(k))
	}
	return jsonRole{ID: r.ID, SystemID: r.SystemID, Code: r.Code, Name: r.Name, Description: r.Description,
		RequestableBy: kinds, ApproverKind: string(r.ApproverKind), ApproverRoleID: r.ApproverRoleID,
		NeedsPersonalCert: r.NeedsPersonalCert, GrantLifetimeDays: int(r.GrantLifetime / (24 * time.Hour)),
		Admin: r.Admin, Retired: !r.RetiredAt.IsZero()}
}

type jsonMenu struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	URL       string `json:"url"`
	SortOrder int    `json:"sortOrder"`
}

type jsonGrant struct {
	ID           int64      `json:"id"`
	UserID       int64      `json:"userId"`
	RoleID       int64      `json:"roleId"`
	RoleCode     string     `json:"roleCode,omitempty"`
	RoleName     string     `json:"roleName,omitempty"`
	SystemCode   string     `json:"systemCode,omitempty"`
	RequestID    int64      `json:"requestId,omitempty"`
	GrantedAt    *time.Time `json:"grantedAt,omitempty"`
	ExpiresAt    *time.Time `json:"expiresAt,omitempty"`
	RevokedAt    *time.Time `json:"revokedAt,omitempty"`
	RevokeReason string     `json:"revokeReason,omitempty"`
}

func grantJSON(g domain.Grant, role domain.Role, sys domain.System) jsonGrant {
	return jsonGrant{ID: g.ID, UserID: g.UserID, RoleID: g.RoleID, RoleCode: role.Code, RoleName: role.Name,
		SystemCode: sys.Code, RequestID: g.RequestID, GrantedAt: tp(g.GrantedAt), ExpiresAt: tp(g.ExpiresAt),
		RevokedAt: tp(g.RevokedAt), RevokeReason: g.RevokeReason}
}

type jsonRequest struct {
	ID                    int64      `json:"id"`
	UserID                int64      `json:"userId"`
	RoleID                int64      `json:"roleId"`
	ApproverInstitutionID int64      `json:"approverInstitutionId"`
	Status                string     `json:"status"`
	Justification         string     `json:"justification,omitempty"`
	Reason                string     `json:"reason,omitempty"`
	CreatedAt             *time.Time `json:"createdAt,omitempty"`
	DecidedAt             *time.Time `json:"decidedAt,omitempty"`
	Escalated             bool       `json:"escalated,omitempty"`
}

func requestJSON(r domain.RoleRequest) jsonRequest {
	return jsonRequest{ID: r.ID, UserID: r.UserID, RoleID: r.RoleID, ApproverInstitutionID: r.ApproverInstitutionID,
		Status: string(r.Status), Justification: r.Justification, Reason: r.Reason, CreatedAt: tp(r.CreatedAt),
		DecidedAt: tp(r.DecidedAt), Escalated: !r.EscalatedAt.IsZero()}
}

type jsonCertificate struct {
	ID        int64      `json:"id"`
	SubjectDN string     `json:"subjectDn"`
	IssuerDN  string     `json:"issuerDn"`
	Serial    string     `json:"serial"`
	Class     string     `json:"class"`
	NotBefore *time.Time `json:"notBefore,omitempty"`
	NotAfter  *time.Time `json:"notAfter,omitempty"`
	Current   bool       `json:"current"`
}

func certJSON(c domain.Certificate) jsonCertificate {
	return jsonCertificate{ID: c.ID, SubjectDN: c.SubjectDN, IssuerDN: c.IssuerDN, Serial: c.Serial, Class: string(c.Class),
		NotBefore: tp(c.NotBefore), NotAfter: tp(c.NotAfter), Current: c.Current()}
}

type jsonAuditEvent struct {
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actorId,omitempty"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	TargetType string    `json:"targetType,omitempty"`
	TargetID   string    `json:"targetId,omitempty"`
	Detail     any       `json:"detail,omitempty"`
	Hash       string    `json:"hash"`
}

// jsonList is a page of a list.
type jsonList[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

func listJSON[T any](items []T, total int, p store.Page) jsonList[T] {
	if items == nil {
		items = []T{}
	}
	off, lim := p.Window()
	return jsonList[T]{Items: items, Total: total, Offset: off, Limit: lim}
}

// tp returns &t, or nil for the zero time (omitted from JSON).
func tp(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// pageOf reads ?offset= and ?limit= (at most store.MaxLimit).
func pageOf(r *http.Request) store.Page {
	q := r.URL.Query()
	off, _ := strconv.Atoi(q.Get("offset"))
	lim, _ := strconv.Atoi(q.Get("limit"))
	return store.Page{Offset: max(off, 0), Limit: lim}
}

// pathID reads the {id} path value; ok is false (and a 404 sent) when it
// is not a positive number.
func (s *Server) pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(w, r, http.StatusNotFound, domain.ENOTFOUND, "")
		return 0, false
	}
	return id, true
}

// readJSON decodes the request's JSON body (at most 64 KiB, no unknown
// fields) into v; on failure it answers 400 and returns false. An empty
// body decodes as {}.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		s.renderError(w, r, http.StatusBadRequest, domain.EINVALID, "요청 본문이 올바른 JSON이 아닙니다: "+err.Error())
		return false
	}
	return true
}

// fieldErrors answers 422 with the message of each invalid field.
func fieldErrors(w http.ResponseWriter, msg string, fields map[string]string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": map[string]any{
		"code": domain.EINVALID, "message": msg, "fields": fields}})
}

// signedResponseOf builds the signed answer of a login challenge.
func signedResponseOf(nonce, cert, sig, cms string) (pki.SignedResponse, error) {
	if nonce == "" || cert == "" || (sig == "" && cms == "") {
		return pki.SignedResponse{}, errors.New("nonce, certificate and signature are required")
	}
	return pki.SignedResponse{Nonce: nonce, Certificate: cert, Signature: sig, CMS: cms}, nil
}

// hexString is lower-case hex.
func hexString(b []byte) string { return hex.EncodeToString(b) }
