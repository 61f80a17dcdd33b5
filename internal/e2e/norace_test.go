//go:build !race

package e2e

// raceEnabled builds the server under test with -race too.
const raceEnabled = false
