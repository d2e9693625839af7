#!/usr/bin/env bash
# klog-topic create/list/describe/delete, config validation, --json output,
# --if-not-exists / --if-exists, and -d vs $KLOG_DIR.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
K=$B/klog-topic
A=$B/klog-append
run() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; }

"$K" create orders --partitions 3 --config retention.ms=60000 --config cleanup.policy=compact,delete
"$K" create apps
[[ $("$K" list) == $'apps\norders' ]] || fail "list: $("$K" list)"

run "$K" create orders
[[ $rc == 1 ]] && grep -q "^klog-topic: .*'orders'.*already exists" "$T/err" || fail "create twice: $rc"
"$K" create orders --if-not-exists || fail "--if-not-exists"

# Config validation: unknown key and bad value exit 1 naming the key; syntax is a usage error.
run "$K" create bad --config no.such.key=1
[[ $rc == 1 ]] && grep -q "^klog-topic: config 'no.such.key'" "$T/err" || fail "unknown config: $rc $(cat "$T/err")"
run "$K" create bad --config retention.ms=soon
[[ $rc == 1 ]] && grep -q "^klog-topic: config 'retention.ms'" "$T/err" || fail "bad value: $rc"
run "$K" create bad --config cleanup.policy=sometimes
[[ $rc == 1 ]] && grep -q "config 'cleanup.policy'" "$T/err" || fail "bad policy: $rc"
run "$K" create bad --config justakey
[[ $rc == 2 ]] && grep -q "KEY=VALUE" "$T/err" || fail "config syntax: $rc"
run "$K" create bad --partitions 0
[[ $rc == 2 ]] || fail "--partitions 0: $rc"
[[ $("$K" list) == $'apps\norders' ]] || fail "failed creates left a topic"

# Describe after appending: offsets, segments, bytes.
seq 1 100 | sed "s/^/k:/" | "$A" -t orders -p 1 -K :  # keyed: the topic is compacted
seq 1 5 | sed "s/^/k:/" | "$A" -t orders -p 2 -K :
"$K" describe orders >"$T/desc"
grep -q "^Topic: orders" "$T/desc" || fail "describe header: $(cat "$T/desc")"
grep -q "retention.ms=60000" "$T/desc" || fail "describe configs"
grep -qP "Partition: 1\tStartOffset: 0\tEndOffset: 100\tSegments: 1\tBytes: [1-9]" "$T/desc" ||
  fail "describe partition 1: $(cat "$T/desc")"
"$K" describe orders --json >"$T/desc.json"
"$K" list --json >"$T/list.json"
/usr/bin/python3 - "$T/desc.json" "$T/list.json" "$KLOG_DIR" <<'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
assert d["topic"] == "orders" and d["partitions"] == 3, d
assert d["configs"] == {"retention.ms": "60000", "cleanup.policy": "compact,delete"}, d
parts = {p["partition"]: p for p in d["partition_info"]}
assert parts[0]["end_offset"] == 0 and parts[0]["bytes"] == 0, parts
assert parts[1]["start_offset"] == 0 and parts[1]["end_offset"] == 100, parts
assert parts[2]["end_offset"] == 5 and parts[2]["segments"] == 1, parts
log = os.path.join(sys.argv[3], "orders-1", "00000000000000000000.log")
assert parts[1]["bytes"] == os.path.getsize(log), (parts[1], os.path.getsize(log))
lines = [json.loads(l) for l in open(sys.argv[2])]
assert [l["topic"] for l in lines] == ["apps", "orders"], lines
assert lines[1]["partitions"] == 3
PY

run "$K" describe nosuch
[[ $rc == 1 ]] && grep -q "^klog-topic: topic 'nosuch' does not exist" "$T/err" || fail "describe nosuch: $rc $(cat "$T/err")"
run "$K" describe ../x
[[ $rc == 1 || $rc == 2 ]] && grep -q "^klog-topic: " "$T/err" || fail "describe ../x: $rc"

"$K" delete orders
[[ $("$K" list) == apps ]] || fail "delete: $("$K" list)"
[[ ! -e $KLOG_DIR/orders-1 ]] || fail "delete left partition dirs"
run "$K" delete orders
[[ $rc == 1 ]] && grep -q "does not exist" "$T/err" || fail "delete twice: $rc"
"$K" delete orders --if-exists || fail "--if-exists"

# -d wins over $KLOG_DIR; an empty data dir lists nothing.
"$K" -d "$T/other" create elsewhere
[[ $("$K" -d "$T/other" list) == elsewhere ]] || fail "-d create/list"
[[ $("$K" list -d "$T/other") == elsewhere ]] || fail "-d after the command"
[[ $("$K" list) == apps ]] || fail "\$KLOG_DIR list"
(cd "$T" && KLOG_DIR= "$K" create here) && [[ -d $T/klog-data/here-0 ]] || fail "./klog-data default"

# message.timestamp.type=LogAppendTime: records carry the time they were
# appended, not the producer's timestamp.
"$K" create stamped --config message.timestamp.type=LogAppendTime
before=$(date +%s%3N)
echo '{"value":"x","timestamp":1000}' | "$A" -t stamped --json
after=$(date +%s%3N)
ts=$("$B/klog-read" -t stamped --format '%T')
(( ts >= before && ts <= after )) || fail "LogAppendTime: timestamp $ts not in [$before, $after]"
"$K" create created
echo '{"value":"x","timestamp":1000}' | "$A" -t created --json
[[ $("$B/klog-read" -t created --format '%T') == 1000 ]] || fail "CreateTime kept the producer's time"
echo ok
