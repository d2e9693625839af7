#!/usr/bin/env bash
# Runs every example under examples/ against the tools in BUILD_DIR and fails
# if any of them fails, showing that example's output.
# Usage: examples.sh BUILD_DIR [SOURCE_DIR]. Exit 0 = pass.
set -uo pipefail

BUILD=${1:?usage: examples.sh BUILD_DIR [SOURCE_DIR]}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
EXAMPLES=(quickstart.sh log-shipping.sh export-partitions.sh)

log=$(mktemp)
trap 'rm -f "$log"' EXIT
failures=0
for example in "${EXAMPLES[@]}"; do
  start=$SECONDS
  if KLOG_BIN=$BUILD timeout 300 bash "$SRC/examples/$example" >"$log" 2>&1; then
    echo "examples: ok: $example ($((SECONDS - start)) s)"
  else
    rc=$?
    echo "examples: FAIL: $example exited $rc; its output:" >&2
    sed 's/^/  | /' "$log" >&2
    failures=$((failures + 1))
  fi
done
[[ $failures -eq 0 ]] || { echo "examples: $failures example(s) failed" >&2; exit 1; }
