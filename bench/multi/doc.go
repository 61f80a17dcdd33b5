// Package multi holds the test of two `gwanmun serve` processes sharing one
// PostgreSQL database, as behind a load balancer (docs/performance.md,
// "Several processes"): challenges, sessions and approval races must not
// depend on which process answers. The test is TestTwoProcesses; the
// package has no other code.
package multi
