package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gwanmun/gwanmun/internal/firstrun"
	"github.com/gwanmun/gwanmun/internal/pki"
)

func init() {
	register("admin", command{
		summary: "administrators: bootstrap (the first national administrator)",
		run: func(ctx context.Context, args []string, stdout, stderr io.Writer) error {
			if len(args) > 0 && args[0] == "bootstrap" {
				return runAdminBootstrap(ctx, args[1:], stdout, stderr)
			}
			fmt.Fprintln(stderr, adminBootstrapUsage)
			return &exitError{code: 2}
		},
	})
}

const adminBootstrapUsage = `usage: gwanmun admin bootstrap --db URL --cert FILE --institution CODE --login-id ID [--name NAME]
       [--mobile N] [--office-phone N] [--email ADDR] [--trust-dir DIR | --dev-ca DIR] [revocation flags]

Registers the first national administrator: the holder of the personal
certificate FILE (DER or PEM, or an NPKI folder's signCert.der), an account
at the national agency's institution CODE, and a grant of the national
administration role. Refused when an active national administrator exists:
further administrators are granted in the admin console.`

// bootstrapFlags are the flags of "gwanmun admin bootstrap".
type bootstrapFlags struct {
	db                               *string
	cert, institution, loginID, name string
	mobile, officePhone, email       string
	trust                            serveFlags // the trust and revocation flags, as serve has them
}

func (b *bootstrapFlags) register(fs *flag.FlagSet) {
	b.db = addDBFlag(fs)
	fs.StringVar(&b.cert, "cert", "", "the administrator's personal certificate `file` (DER or PEM, or an NPKI folder)")
	fs.StringVar(&b.institution, "institution", "", "`code` of the national agency's institution (kind national), e.g. from gwanmun import")
	fs.StringVar(&b.loginID, "login-id", "", "the new account's login `ID` (omit when the certificate's holder already signed up)")
	fs.StringVar(&b.name, "name", "", "the holder's `name`; must match the certificate (default: the name in the certificate)")
	fs.StringVar(&b.mobile, "mobile", "", "mobile phone `number` (optional; the administrator can add it under 내 정보)")
	fs.StringVar(&b.officePhone, "office-phone", "", "office phone `number` (optional)")
	fs.StringVar(&b.email, "email", "", "e-mail `address` (optional)")
	b.trust.registerTrust(fs)
}

// runAdminBootstrap implements "gwanmun admin bootstrap".
func runAdminBootstrap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, adminBootstrapUsage+"\n\n"); fs.PrintDefaults() }
	var b bootstrapFlags
	b.register(fs)
	if err := fs.Parse(args); err != nil {
		return usageError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return &exitError{2, fmt.Errorf("admin bootstrap: unexpected argument %q", fs.Arg(0))}
	}
	if b.cert == "" || b.institution == "" {
		fs.Usage()
		return &exitError{2, errors.New("admin bootstrap: give --cert and --institution")}
	}
	cert, err := readCertArg(b.cert)
	if err != nil {
		return &exitError{2, fmt.Errorf("admin bootstrap: certificate %s: %w", b.cert, err)}
	}
	v, err := b.trust.verifier()
	if err != nil {
		return &exitError{2, fmt.Errorf("admin bootstrap: %w", err)}
	}
	// The same verifier as serve's login: chain, validity, key usage,
	// revocation as configured, and a personal policy.
	res, err := v.Verify(ctx, cert)
	if err == nil {
		err = res.RequirePersonal()
	}
	if err != nil {
		if code := pki.Code(err); code != "" {
			return fmt.Errorf("admin bootstrap: certificate refused (%s): %s / %s: %w", code, pki.MessageFor(code, "ko"), pki.MessageFor(code, "en"), err)
		}
		return fmt.Errorf("admin bootstrap: certificate refused: %w", err)
	}
	st, err := openStore(ctx, *b.db)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	// Signup and the new administrator's consent page need a consent text.
	if _, _, err := firstrun.EnsureConsent(ctx, st, now); err != nil {
		return err
	}
	out, err := firstrun.Bootstrap(ctx, st, firstrun.Admin{Result: res, LoginID: b.loginID, Name: b.name,
		Mobile: b.mobile, OfficePhone: b.officePhone, Email: b.email, InstitutionCode: b.institution}, now)
	if errors.Is(err, firstrun.ErrAdminExists) {
		return fmt.Errorf("admin bootstrap: refused: %w. Further national administrators are granted in the admin console (승인자 관리, /admin/approvers), with the granting administrator's 본인 확인", err)
	} else if err != nil {
		return fmt.Errorf("admin bootstrap: %w", err)
	}
	verb := "registered"
	if !out.CreatedUser {
		verb = "took the existing account of"
	}
	fmt.Fprintf(stdout, "%s %s (%s), %s, with the certificate %s\n", verb, out.User.LoginID, out.User.Name, out.Institution.Name, cert.Subject.CommonName)
	if out.CreatedRole {
		fmt.Fprintf(stdout, "created the administration system %s with the roles %s (%s) and %s, which province staff request and national administrators approve\n",
			out.System.Code, out.Role.Code, out.Role.Name, firstrun.ProvinceRoleCode)
	}
	fmt.Fprintf(stdout, "granted %s/%s: %s is the national administrator; log in with the certificate and open /admin\n", out.System.Code, out.Role.Code, out.User.LoginID)
	if out.User.Mobile == "" || out.User.OfficePhone == "" {
		fmt.Fprintln(stdout, "no phone numbers given: add them under 내 정보 after logging in")
	}
	return nil
}
