// Package e2e holds gwanmun's end-to-end tests: the real server, started as
// `gwanmun demo` on a temporary folder, driven through a real headless
// Chromium with chromedp, with axe-core accessibility checks on the pages
// the stories visit. The package has no code of its own; see docs/testing.md.
//
// Run them with
//
//	CI=true go test -count=1 -v ./internal/e2e/
//
// Without Chromium (GWANMUN_CHROMIUM, or chromium on PATH) they skip, except
// with CI=true, where they fail. Set GWANMUN_E2E_SCREENSHOTS to a folder to
// keep the screenshots of every step; otherwise they go to a temporary
// folder that is removed after the test.
package e2e
