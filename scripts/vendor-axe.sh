#!/usr/bin/env bash
# Vendors axe-core (the accessibility rules engine by Deque, npm package
# axe-core, MPL-2.0) for the end-to-end tests: internal/e2e/testdata/axe.min.js
# and its licence, internal/e2e/testdata/axe-LICENSE.txt. The tests inject the
# file into pages they open in headless Chromium; it is never served by the
# portal. npm is used only here, in a temporary directory.
# Usage: scripts/vendor-axe.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
AXE_VERSION=4.14.1
dest=$root/internal/e2e/testdata

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null &&
  tar -xzf "axe-core-$AXE_VERSION.tgz")
mkdir -p "$dest"
cp "$tmp/package/axe.min.js" "$dest/axe.min.js"
cp "$tmp/package/LICENSE" "$dest/axe-LICENSE.txt"
echo "vendored axe-core $AXE_VERSION into ${dest#$root/} ($(du -h "$dest/axe.min.js" | cut -f1))"
