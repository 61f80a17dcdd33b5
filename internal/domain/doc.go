// Package domain holds gwanmun's domain types: institutions and their
// jurisdiction chain, users and their certificates, the portal's systems with
// their menus and roles, role requests and grants, consent texts, audit events,
// sessions and login challenges. It knows nothing of HTTP or SQL.
package domain
