// Package edge holds the rules for what arrives from outside at the HTTP
// edge, free of any server: which peer's forwarded headers to believe and
// what the client's address is (proxy.go), which redirect targets are
// paths of this site (redirect.go), and which text may go on to the
// database (text.go). Package web applies them in its middleware.
package edge
