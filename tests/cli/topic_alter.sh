#!/usr/bin/env bash
# klog-topic alter: growing a topic keeps its configs and data, the new
# partitions take appends, a count that does not grow or an unknown topic
# exits 1 naming the problem, and a missing --partitions or bad name exits 2.
# (Broker mode, CreatePartitions through -b, is tested with the other broker
# mode commands.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
K=$B/klog-topic
A=$B/klog-append
run() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; }

"$K" create orders --partitions 2 --config retention.ms=60000
seq 1 10 | "$A" -t orders -p 1
"$K" alter orders --partitions 4
"$K" describe orders >"$T/desc"
grep -q $'^Topic: orders\tPartitions: 4\tConfigs: retention.ms=60000$' "$T/desc" ||
  fail "after alter: $(cat "$T/desc")"
grep -q $'Partition: 1\tStartOffset: 0\tEndOffset: 10\t' "$T/desc" || fail "data of partition 1 lost"
[[ -d $KLOG_DIR/orders-3 && ! -e $KLOG_DIR/orders-4 ]] || fail "partition directories: $(ls "$KLOG_DIR")"
seq 1 3 | "$A" -t orders -p 3 --no-create
"$K" describe orders >"$T/desc"
grep -q $'Partition: 3\tStartOffset: 0\tEndOffset: 3\t' "$T/desc" || fail "append to new partition 3"
ls "$KLOG_DIR" | grep -q tmp && fail "temporary file left: $(ls "$KLOG_DIR")"

run "$K" alter orders --partitions 4
[[ $rc == 1 ]] && grep -q "^klog-topic: topic 'orders' has 4 partition(s)" "$T/err" ||
  fail "alter to the same count: $rc $(cat "$T/err")"
run "$K" alter orders --partitions 2
[[ $rc == 1 ]] || fail "shrinking: $rc"
run "$K" alter missing --partitions 3
[[ $rc == 1 ]] && grep -q "'missing' does not exist" "$T/err" || fail "unknown topic: $rc"
run "$K" alter orders
[[ $rc == 2 ]] && grep -q -- "--partitions" "$T/err" || fail "missing --partitions: $rc"
run "$K" alter 'bad/name' --partitions 3
[[ $rc == 2 ]] || fail "bad name: $rc"
run "$K" alter orders --partitions 0
[[ $rc == 2 ]] || fail "--partitions 0: $rc"
[[ $("$K" describe orders --json) == *'"partitions":4'* ]] || fail "failed alters changed the count"
echo "topic_alter: ok"
