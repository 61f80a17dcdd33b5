package web

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// BenchmarkApprovalsPage renders the approver inbox with a full page (20
// of 30 pending requests), the page the million-user measurements found
// slowest: go test -run '^$' -bench ApprovalsPage -cpuprofile cpu.out ./internal/web
func BenchmarkApprovalsPage(b *testing.B) {
	e := newSeededEnv(b, nil)
	for i := range 30 {
		u, _ := e.accountAt(fmt.Sprintf("bench%02d", i), fmt.Sprintf("김벤치%02d", i), "91111001", domain.UserPending, domain.CertPersonal)
		e.fileRequest(u, e.demo.UserRoleID, "HC-11110", "접종 담당 간호사입니다")
		e.clock.Advance(time.Minute)
	}
	ap, apc := e.demoAccount("approver11110")
	c := e.signedIn(ap, apc)
	if res, body := c.getPage("/approvals"); res.StatusCode != http.StatusOK {
		b.Fatalf("GET /approvals: %d %s", res.StatusCode, body)
	}
	b.ReportAllocs()
	for b.Loop() {
		c.getPage("/approvals")
	}
}
