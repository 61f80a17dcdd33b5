package notify

import (
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// KindCertChanged is the notice to a user whose login certificate was
// replaced: the owner learns of a change they did not make.
const KindCertChanged = "account.cert_changed"

// CertChanged builds the notice to a user that the account's login
// certificate was replaced at at by one of class (its label, e.g. "개인").
func CertChanged(site Site, user Recipient, class string, at time.Time) ([]domain.OutboxMessage, error) {
	return build(KindCertChanged, site, []Recipient{user}, msgData{Decision: oneLine(class), DecidedAt: at})
}
