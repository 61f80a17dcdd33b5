// Package signup holds the rules of the signup wizard (manual 1.2–1.6):
// field validation, the server-side draft that carries the wizard across
// steps, and the final step that creates the account, its certificate and
// its first role request in one transaction.
package signup
