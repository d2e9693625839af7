#!/usr/bin/env bash
# klog-serve driven by kafkajs 2.2.4 (pure JavaScript): runs
# tests/clients/kafkajs/test.js against one broker (see it for what it
# checks), then with the broker stopped checks the partitions with
# klog-dump --verify and that kjs-z-gzip holds gzip batches. kafkajs is
# installed once into BUILD_DIR/kafkajs with `npm ci` from the committed
# package-lock.json, and again only when package.json or the lock changes.
# Only 127.0.0.1 is used; the broker is killed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
command -v node >/dev/null || fail "node is not installed (Debian package nodejs)"
command -v npm >/dev/null || fail "npm is not installed (Debian package npm)"

# kafkajs, installed from the lock file; the stamp is the lock's checksum.
J=$SRC/tests/clients/kafkajs
W=$B/kafkajs
mkdir -p "$W"
stamp=$(cat "$J/package.json" "$J/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ ! -f $W/node_modules/kafkajs/package.json || $(cat "$W/.stamp" 2>/dev/null) != "$stamp" ]]; then
  cp "$J/package.json" "$J/package-lock.json" "$W/"
  rm -f "$W/.stamp"
  (cd "$W" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$T/npm.log" 2>&1 ||
    fail "npm ci in $W failed: $(tail -n 20 "$T/npm.log")"
  echo "$stamp" >"$W/.stamp"
fi
[[ $(node -p 'require(process.argv[1] + "/node_modules/kafkajs/package.json").version' "$W") == 2.2.4 ]] ||
  fail "kafkajs in $W is not 2.2.4"
cp "$J/test.js" "$W/test.js"

D=$T/data
"$B/klog-topic" -d "$D" create kjs-big --config max.message.bytes=1048588
# Auto-created topics get 3 partitions, so the fallback when CreateTopics is
# not served still gives the test its 3 partitions.
broker_start -d "$D" --default-partitions 3

rc=0
timeout 120 node "$W/test.js" "$ADDR" 2>&1 | tee "$T/out" || rc=$?
[[ $rc == 0 ]] || fail "kafkajs test: exit $rc (124 = timed out); see its output above"
grep -q "all checks passed" "$T/out" || fail "kafkajs test did not finish"

broker_stop

"$B/klog-dump" --verify "$D"/*-[0-9]* >"$T/verify" 2>&1 || fail "klog-dump --verify: $(tail -n 5 "$T/verify")"
"$B/klog-dump" "$D/kjs-z-gzip-0" >"$T/dump" || fail "klog-dump kjs-z-gzip-0"
grep -qw gzip "$T/dump" || fail "kjs-z-gzip: no gzip batch on disk: $(head -n 3 "$T/dump")"
echo "client_kafkajs: ok"
