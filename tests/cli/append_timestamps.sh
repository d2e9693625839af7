#!/usr/bin/env bash
# klog-append --json on a data directory: a record without "timestamp" gets
# the time its line was read, never the timestamp of the record that started
# its batch (input ts=1000, none, ts=5000, none was stored as 1000, 1000,
# 5000, 1000). The same with several partitions, and for text input.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read
now_ms() { date +%s%3N; }

# check TOPIC EXPECTED...: the records' timestamps, in offset order of
# partition 0, are EXPECTED, where "now" means within [start, end].
check() {
  local topic=$1 i=0 ts want
  shift
  mapfile -t got < <("$R" -t "$topic" -p 0 --json | jq -r .timestamp)
  [[ ${#got[@]} == $# ]] || fail "$topic: ${#got[@]} records, not $#"
  for want in "$@"; do
    ts=${got[$i]}
    if [[ $want == now ]]; then
      ((ts >= start && ts <= end)) || fail "$topic: record $i has timestamp $ts, not in [$start, $end]"
    else
      [[ $ts == "$want" ]] || fail "$topic: record $i has timestamp $ts, not $want"
    fi
    i=$((i + 1))
  done
}

# One write, so every line is in one chunk and one batch.
start=$(now_ms)
printf '%s\n' '{"value":"a","timestamp":1000}' '{"value":"b"}' \
  '{"value":"c","timestamp":5000}' '{"value":"d"}' | "$A" -t mixed --json
end=$(now_ms)
check mixed 1000 now 5000 now

# Several partitions (records named by "partition"): each batch starts with an
# explicit timestamp.
"$B/klog-topic" create multi --partitions 2
start=$(now_ms)
printf '%s\n' '{"value":"a","timestamp":7,"partition":0}' '{"value":"x","timestamp":9,"partition":1}' \
  '{"value":"b","partition":0}' '{"value":"y","partition":1}' | "$A" -t multi --json
end=$(now_ms)
check multi 7 now
mapfile -t p1 < <("$R" -t multi -p 1 --json | jq -r .timestamp)
[[ ${p1[0]} == 9 ]] && ((p1[1] >= start && p1[1] <= end)) || fail "multi-1: ${p1[*]}"

# Text input: every record gets its read time.
start=$(now_ms)
printf 'a\nb\n' | "$A" -t text
end=$(now_ms)
check text now now
echo "append_timestamps: ok"
