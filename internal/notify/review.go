package notify

import (
	"fmt"
	"net/mail"
	"strings"
	"text/template"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Kinds of the periodic access review's messages (docs/reviews.md).
const (
	KindReviewRevoked  = "review.revoked"  // to a holder: a review revoked the grant
	KindReviewReminder = "review.reminder" // to a reviewer: items still open before the deadline
)

var reviewTemplates = func() map[string]*template.Template {
	m := map[string]*template.Template{}
	for _, kind := range []string{KindReviewRevoked, KindReviewReminder} {
		m[kind] = template.Must(template.New(kind).Funcs(funcs).Option("missingkey=error").ParseFS(templateFS, "templates/"+kind+".tmpl"))
	}
	return m
}()

// Review describes a review campaign's item in plain words.
type Review struct {
	Campaign   string
	Role       string
	System     string
	Reviewer   string // the reviewing institution
	Reason     string // the revoke reason
	RevokedAt  time.Time
	Deadline   time.Time
	OpenItems  int
	DaysBefore int
}

type reviewData struct {
	Site Site
	To   Recipient
	Review
}

// ReviewRevoked builds the notice to a holder whose grant a review
// revoked.
func ReviewRevoked(site Site, holder Recipient, r Review) ([]domain.OutboxMessage, error) {
	r.Reason = multiLine(r.Reason)
	if r.Reason == "" {
		r.Reason = "(없음)"
	}
	return buildReview(KindReviewRevoked, site, []Recipient{holder}, r)
}

// ReviewReminder builds the reminders to the reviewers who still have
// r.OpenItems open items, r.DaysBefore days before r.Deadline.
func ReviewReminder(site Site, reviewers []Recipient, r Review) ([]domain.OutboxMessage, error) {
	return buildReview(KindReviewReminder, site, reviewers, r)
}

func buildReview(kind string, site Site, to []Recipient, r Review) ([]domain.OutboxMessage, error) {
	t := reviewTemplates[kind]
	if site.URL() == "" {
		return nil, fmt.Errorf("notify: %s: the site's base URL is not set", kind)
	}
	site.Name = oneLine(site.Name)
	if site.Name == "" {
		site.Name = "관문"
	}
	r.Campaign, r.Role, r.System, r.Reviewer = oneLine(r.Campaign), oneLine(r.Role), oneLine(r.System), oneLine(r.Reviewer)
	d := reviewData{Site: site, Review: r}
	seen := map[string]bool{}
	var out []domain.OutboxMessage
	for _, rc := range to {
		addr := strings.TrimSpace(rc.Email)
		if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr || a.Name != "" || seen[strings.ToLower(addr)] {
			continue
		}
		seen[strings.ToLower(addr)] = true
		d.To = Recipient{Name: oneLine(rc.Name), Email: addr}
		var subj, body strings.Builder
		if err := t.ExecuteTemplate(&subj, "subject", d); err != nil {
			return nil, fmt.Errorf("notify: %s subject: %w", kind, err)
		}
		if err := t.ExecuteTemplate(&body, "body", d); err != nil {
			return nil, fmt.Errorf("notify: %s body: %w", kind, err)
		}
		out = append(out, domain.OutboxMessage{Kind: kind, Recipient: addr, Subject: oneLine(subj.String()), Body: body.String()})
	}
	return out, nil
}
