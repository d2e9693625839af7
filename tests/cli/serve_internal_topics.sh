#!/usr/bin/env bash
# __consumer_offsets can neither be poisoned nor stop klog-serve (issue 9,
# fault 1). With the broker stopped, a batch holding a record whose value
# does not decode as an offset commit, then a torn tail, are appended to the
# offsets topic (tests/clients/internal_topics.py writes the bytes). Then:
#   - klog-serve starts, warns naming the segment file and byte position of
#     the bad record and of the torn tail, counts both in its metrics, and
#     still serves the group's other committed offsets (OffsetFetch);
#   - DeleteTopics, CreatePartitions, AlterConfigs, IncrementalAlterConfigs
#     and DeleteRecords of __consumer_offsets are refused with Kafka's
#     INVALID_TOPIC_EXCEPTION, CreateTopics of it with INVALID_REQUEST, and
#     the topic is intact afterwards (so is klog-topic -b delete);
#   - klog-dump --verify reports the bad record (file, position, offset) and
#     exits 1;
#   - local writers refuse the internal topic: klog-append -d and klog-topic
#     delete/alter/truncate-before exit 1 and change nothing.
# Needs /usr/bin/python3 with python3-kafka.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
PY=/usr/bin/python3
$PY -c "import kafka" 2>/dev/null || fail "$PY cannot import kafka (install python3-kafka)"
D=$T/data
P=$D/__consumer_offsets-0
SEG=$P/00000000000000000000.log
STEP=$SRC/tests/clients/internal_topics.py
printf 'offsets.topic.num.partitions=1\n' >"$T/serve.conf"

BROKER_METRICS=1
step() {
  timeout 120 $PY "$STEP" "$@" || fail "internal_topics.py $1: exit $? (124 = timed out)"
}

"$B/klog-topic" create -d "$D" t --partitions 4 || fail "klog-topic create t"
broker_start -d "$D" --metrics 127.0.0.1:0 --config "$T/serve.conf"
step commit "$ADDR"
broker_stop
[[ -f $SEG ]] || fail "no $SEG after the commits"

# The damage, written with the broker stopped.
step damage "$P" >"$T/damage"
read -r POS OFF <"$T/damage"
[[ $POS =~ ^[0-9]+$ && $OFF =~ ^[0-9]+$ ]] || fail "damage step printed '$(cat "$T/damage")'"
broker_restart
grep -q "$SEG pos $POS: record at offset $OFF: offset commit value of group 'g': .*; skipped" \
  "$T/log" || fail "no warning naming the bad record's file, position and offset"
grep -q "$SEG pos [0-9]*: torn tail (a partial batch): 40 bytes not loaded" "$T/log" ||
  fail "no warning about the 40-byte torn tail"
grep -q "loaded 5 offset record(s) of 1 group(s) from __consumer_offsets; skipped 1 record" \
  "$T/log" || fail "no summary line counting the skipped record"
step fetch "$ADDR"
step metrics "$METRICS" 1 40

# Clients cannot delete, grow, reconfigure, truncate or create it.
step admin "$ADDR"
if "$B/klog-topic" delete -b "$ADDR" __consumer_offsets 2>"$T/err"; then
  fail "klog-topic -b delete __consumer_offsets succeeded"
fi
step fetch "$ADDR"
broker_stop
[[ -d $P && ! -d $D/__consumer_offsets-1 ]] || fail "__consumer_offsets changed: $(ls "$D")"
"$B/klog-topic" describe -d "$D" __consumer_offsets >"$T/describe" || fail "describe"
grep -q "Partitions: 1	Configs: cleanup.policy=compact$" "$T/describe" ||
  fail "__consumer_offsets metadata changed: $(head -n1 "$T/describe")"

# klog-dump --verify decodes the records of __consumer_offsets.
if "$B/klog-dump" --verify "$P" >"$T/verify" 2>"$T/verify.err"; then
  fail "klog-dump --verify passed a record that does not decode"
else
  rc=$?
  [[ $rc == 1 ]] || fail "klog-dump --verify exited $rc, expected 1"
fi
grep -q "^klog-dump: .*$SEG pos $POS: record at offset $OFF: offset commit value of group 'g'" \
  "$T/verify.err" || fail "klog-dump --verify: $(cat "$T/verify.err")"

# Local writers refuse it too, and change nothing.
ls -lR "$P" >"$T/before"
check_refused() {
  local what=$1
  shift
  if "$@" </dev/null 2>"$T/err"; then fail "$what succeeded"; fi
  grep -q "'__consumer_offsets' is an internal topic" "$T/err" || fail "$what: $(cat "$T/err")"
}
check_refused "klog-append -d" "$B/klog-append" -d "$D" -t __consumer_offsets
check_refused "klog-topic delete" "$B/klog-topic" delete -d "$D" __consumer_offsets
check_refused "klog-topic alter" "$B/klog-topic" alter -d "$D" __consumer_offsets --partitions 3
check_refused "klog-topic alter --config" \
  "$B/klog-topic" alter -d "$D" __consumer_offsets --config retention.ms=1
check_refused "klog-topic truncate-before" \
  "$B/klog-topic" truncate-before -d "$D" __consumer_offsets -p 0 --offset 1
ls -lR "$P" | cmp -s - "$T/before" || fail "a refused local command changed $P"
echo "serve_internal_topics: ok"
