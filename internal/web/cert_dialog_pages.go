package web

import "github.com/gwanmun/gwanmun/internal/signup"

// certDialogPage is implemented by page data that knows better than its
// template whether the certificate dialog can open (a page with several
// steps, of which one has the button).
type certDialogPage interface{ CertDialog() bool }

// needsCertDialog reports whether page, rendered with data, loads the
// certificate dialog: its markup, cert-dialog.css and the cert/ modules
// (about 20 files) are left out of every other page.
func (s *Server) needsCertDialog(page string, data any) bool {
	if p, ok := data.(certDialogPage); ok {
		return p.CertDialog()
	}
	return s.tmpl.certDialog[page]
}

// CertDialog: of the signup steps only 02 (공동인증서 등록) opens the dialog.
func (p *signupPage) CertDialog() bool { return p.Step == signup.StepCert }
