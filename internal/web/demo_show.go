package web

import (
	"net/http"
	"strconv"
)

// DemoInfo describes the demo's development certificates. They are test
// certificates of a development CA that only the demo trusts; their
// password is shown on purpose.
type DemoInfo struct {
	Password  string
	TestCerts []DemoCert    // a newcomer's set: personal, institution, expired, ...
	Accounts  []DemoAccount // the seeded approvers and administrators
	Zip       []byte        // every certificate folder, zipped
	CRL       []byte        // the development CA's CRL (DER)
}

// DemoCert is one certificate of the newcomer's test set.
type DemoCert struct {
	ID, LabelKo, LabelEn, Subject string
}

// DemoAccount is a seeded demo account with its certificate folder.
type DemoAccount struct {
	LoginID, Name, Institution string
	Roles                      []string
	Folder                     string
}

// demoShow handles GET /demo: how to try the demo, with the certificates.
func (s *Server) demoShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "demo", s.cfg.DemoInfo)
}

// demoZip handles GET /demo/certs.zip.
func (s *Server) demoZip(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="gwanmun-demo-certs.zip"`)
	h.Set("Content-Length", strconv.Itoa(len(s.cfg.DemoInfo.Zip)))
	h.Set("Cache-Control", "no-store")
	w.Write(s.cfg.DemoInfo.Zip)
}

// demoCRL handles GET /demo/crl.der, the CRL distribution point of the
// demo certificates.
func (s *Server) demoCRL(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/pkix-crl")
	h.Set("Cache-Control", "max-age=300")
	w.Write(s.cfg.DemoInfo.CRL)
}
