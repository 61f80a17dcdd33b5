// Package deploy holds gwanmun's deployment examples: a hardened systemd
// unit, a backup timer, an example environment file and reverse-proxy
// configurations for TLS (docs/operations.md). It has no code; its test
// checks the units with systemd-analyze.
package deploy
