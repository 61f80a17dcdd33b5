package domain

import "time"

// PrivacyPolicy is one version of the published 개인정보 처리방침. Versions
// are numbered from 1; the newest is in force. Source says where its text
// came from: "file" (the server's configuration), "admin" (written by a
// national administrator) or "demo".
type PrivacyPolicy struct {
	Version   int
	Text      string
	Source    string
	CreatedAt time.Time
	CreatedBy int64 // the administrator; zero for file and demo
}
