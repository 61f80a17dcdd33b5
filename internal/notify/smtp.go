package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// TLSMode says how the SMTP connection is protected.
type TLSMode string

// TLS modes.
const (
	TLSNone          TLSMode = "none"          // plain text; only for a relay on localhost
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when the server offers it
	TLSStartTLS      TLSMode = "starttls"      // STARTTLS required (the default; port 587)
	TLSImplicit      TLSMode = "tls"           // TLS from the first byte (SMTPS, port 465)
)

// ParseTLSMode parses a TLS mode name; the empty string is TLSStartTLS.
func ParseTLSMode(s string) (TLSMode, error) {
	switch m := TLSMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return TLSStartTLS, nil
	case TLSNone, TLSOpportunistic, TLSStartTLS, TLSImplicit:
		return m, nil
	}
	return "", fmt.Errorf("unknown SMTP TLS mode %q (want none, opportunistic, starttls or tls)", s)
}

// SMTPConfig configures an SMTPMailer.
type SMTPConfig struct {
	Host string
	Port int     // default: 465 for TLSImplicit, 25 for TLSNone, else 587
	TLS  TLSMode // default TLSStartTLS
	// TLSConfig, when set, is used for STARTTLS and implicit TLS (e.g. a
	// private CA in RootCAs); ServerName defaults to Host.
	TLSConfig *tls.Config
	// Username and Password, when Username is set, authenticate with SMTP
	// AUTH PLAIN, which go-mail only does over TLS.
	Username string
	Password string
	From     string // envelope and header sender, a bare address
	FromName string // display name, e.g. "관문"
	HELO     string // name sent in EHLO; default: the host name
	// Timeout bounds the connection and each SMTP command; default 30 s.
	Timeout time.Duration
}

// ConfigFromEnv reads an SMTPConfig from the environment through getenv
// (os.Getenv in production): GWANMUN_SMTP_HOST, _PORT, _TLS, _USER,
// _PASSWORD_FILE (a file holding the password; trailing newlines are
// dropped), _FROM, _FROM_NAME (default "관문") and _TIMEOUT (a Go
// duration). It returns ok false when GWANMUN_SMTP_HOST is unset: no
// e-mail is configured.
func ConfigFromEnv(getenv func(string) string) (cfg SMTPConfig, ok bool, err error) {
	cfg.Host = getenv("GWANMUN_SMTP_HOST")
	if cfg.Host == "" {
		return cfg, false, nil
	}
	if p := getenv("GWANMUN_SMTP_PORT"); p != "" {
		if cfg.Port, err = strconv.Atoi(p); err != nil || cfg.Port <= 0 || cfg.Port > 65535 {
			return cfg, true, fmt.Errorf("GWANMUN_SMTP_PORT: %q is not a port number", p)
		}
	}
	if cfg.TLS, err = ParseTLSMode(getenv("GWANMUN_SMTP_TLS")); err != nil {
		return cfg, true, fmt.Errorf("GWANMUN_SMTP_TLS: %w", err)
	}
	cfg.Username = getenv("GWANMUN_SMTP_USER")
	if f := getenv("GWANMUN_SMTP_PASSWORD_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return cfg, true, fmt.Errorf("GWANMUN_SMTP_PASSWORD_FILE: %w", err)
		}
		cfg.Password = strings.TrimRight(string(b), "\r\n")
	}
	cfg.From = getenv("GWANMUN_SMTP_FROM")
	cfg.FromName = getenv("GWANMUN_SMTP_FROM_NAME")
	if cfg.FromName == "" {
		cfg.FromName = "관문"
	}
	if t := getenv("GWANMUN_SMTP_TIMEOUT"); t != "" {
		if cfg.Timeout, err = time.ParseDuration(t); err != nil || cfg.Timeout <= 0 {
			return cfg, true, fmt.Errorf("GWANMUN_SMTP_TIMEOUT: %q is not a positive duration", t)
		}
	}
	return cfg, true, nil
}

// SMTPMailer sends messages to one SMTP server (a submission server or a
// relay), one connection per message.
type SMTPMailer struct {
	cfg         SMTPConfig
	opts        []gomail.Option
	msgIDDomain string
}

var _ Mailer = (*SMTPMailer)(nil)

// NewSMTP checks cfg and returns a mailer for it. It does not connect.
func NewSMTP(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: no host")
	}
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if _, err := ParseTLSMode(string(cfg.TLS)); err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil || from.Address != cfg.From {
		return nil, fmt.Errorf("smtp: sender %q is not a bare e-mail address", cfg.From)
	}
	if cfg.Port == 0 {
		switch cfg.TLS {
		case TLSImplicit:
			cfg.Port = 465
		case TLSNone:
			cfg.Port = 25
		default:
			cfg.Port = 587
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.Timeout),
		gomail.WithTLSConfig(tc),
	}
	switch cfg.TLS {
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	dom := cfg.From[strings.LastIndexByte(cfg.From, '@')+1:]
	return &SMTPMailer{cfg: cfg, opts: opts, msgIDDomain: dom}, nil
}

// Addr returns the server's host:port.
func (s *SMTPMailer) Addr() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

// Send delivers m over a new SMTP connection. The Message-ID is derived
// from the outbox ID and creation time, so that a message sent twice (the
// process died between the server's acceptance and the outbox update)
// carries the same Message-ID both times. Replies 5xx come back as a
// PermanentError; everything else (4xx, refused or broken connections,
// timeouts) is temporary.
func (s *SMTPMailer) Send(ctx context.Context, m domain.OutboxMessage) error {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(s.cfg.FromName, s.cfg.From); err != nil {
		return Permanent(fmt.Errorf("sender: %w", err))
	}
	if err := msg.To(m.Recipient); err != nil {
		return Permanent(fmt.Errorf("recipient: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	msg.SetDate()
	msg.SetMessageIDWithValue(fmt.Sprintf("gwanmun.%d.%d@%s", m.ID, m.CreatedAt.UnixMicro(), s.msgIDDomain))
	// RFC 3834: an automatic message; auto-responders should not answer.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetUserAgent("gwanmun")

	c, err := gomail.NewClient(s.cfg.Host, s.opts...)
	if err != nil {
		return Permanent(fmt.Errorf("smtp client: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return Permanent(err)
		}
		return err
	}
	return nil
}
