#!/usr/bin/env bash
# klog-topic on a data directory: alter --config/--delete-config rewrite the
# topic's configs (a bad key or value exits 1 and changes nothing);
# enforce-retention deletes the oldest whole segments past retention.bytes
# (never the active one); truncate-before advances the log start offset,
# which is persisted (klog.log-start) and seen by describe and klog-read
# (-o below the start warns on stderr and starts at the start; -o beginning
# starts there); both fail while another writer holds the partition lock.
# A compact-only topic (cleanup.policy=compact) is exempt from retention.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
K=$B/klog-topic
A=$B/klog-append
R=$B/klog-read
run() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; }
start_of() { "$K" describe "$1" --json | sed -n 's/.*"start_offset":\([0-9]*\).*/\1/p' | head -n1; }

"$K" create r --config segment.bytes=1024 --config retention.ms=60000
seq -f "record-%05g-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" 0 199 | "$A" -t r --batch-bytes 1k
segs=$(ls "$KLOG_DIR/r-0" | grep -c '\.log$')
((segs > 10)) || fail "expected many segments, got $segs"

# alter --config / --delete-config.
"$K" alter r --config retention.bytes=3000 --delete-config retention.ms
"$K" describe r | grep -q $'Configs: retention.bytes=3000,segment.bytes=1024$' ||
  fail "configs after alter: $("$K" describe r)"
run "$K" alter r --config retention.bytes=lots
[[ $rc == 1 ]] && grep -q "retention.bytes" "$T/err" || fail "bad value: $rc $(cat "$T/err")"
run "$K" alter r --config no.such=1
[[ $rc == 1 ]] && grep -q "unknown config" "$T/err" || fail "unknown key: $rc $(cat "$T/err")"
run "$K" alter r --delete-config no.such
[[ $rc == 1 ]] || fail "unknown key to delete: $rc"
run "$K" alter r --config novalue
[[ $rc == 2 ]] || fail "KEY=VALUE missing '=': $rc"
run "$K" alter r --partitions 3 --config retention.ms=1
[[ $rc == 2 ]] || fail "--partitions with --config: $rc"
"$K" describe r | grep -q $'Configs: retention.bytes=3000,segment.bytes=1024$' ||
  fail "a failed alter changed the configs"
ls "$KLOG_DIR" | grep -q tmp && fail "temporary file left: $(ls "$KLOG_DIR")"

# enforce-retention: what is left is at least 3000 bytes, and removing the oldest would go below.
"$K" enforce-retention r >"$T/out"
grep -q $'^r-0\tdeleted_segments: [1-9]' "$T/out" || fail "enforce-retention: $(cat "$T/out")"
start=$(start_of r)
((start > 0)) || fail "log start after retention: $start"
[[ -e $KLOG_DIR/r-0/$(printf '%020d' "$start").log ]] || fail "start $start is not a segment base"
bytes=$(cat "$KLOG_DIR"/r-0/*.log | wc -c)
first=$(stat -c %s "$KLOG_DIR/r-0/$(printf '%020d' "$start").log")
((bytes >= 3000 && bytes - first < 3000)) || fail "retained $bytes bytes (first segment $first)"
ls "$KLOG_DIR/r-0" | grep -q "^00000000000000000000\." && fail "segment 0 files left"

# Every topic when none is named; the active segment stays whatever the limit.
"$K" alter r --config retention.bytes=0
"$K" enforce-retention >"$T/out"
[[ $(ls "$KLOG_DIR/r-0" | grep -c '\.log$') == 1 ]] || fail "only the active segment should remain"

# cleanup.policy=compact alone: retention deletes nothing; compact,delete does.
"$K" create rc --config segment.bytes=1024 --config retention.bytes=0 --config cleanup.policy=compact
seq 0 99 | awk '{ printf "k%d:record-%05d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", $1, $1 }' | "$A" -t rc -K : --batch-bytes 1k
before=$(ls "$KLOG_DIR/rc-0" | grep -c '\.log$')
((before > 2)) || fail "compact topic: expected several segments, got $before"
"$K" enforce-retention rc >"$T/out"
grep -q $'^rc-0\tdeleted_segments: 0' "$T/out" || fail "compact-only retention: $(cat "$T/out")"
"$K" alter rc --config cleanup.policy=compact,delete
"$K" enforce-retention rc >/dev/null
[[ $(ls "$KLOG_DIR/rc-0" | grep -c '\.log$') == 1 ]] || fail "compact,delete kept old segments"

# truncate-before inside the active segment; persisted; klog-read honours it.
"$K" truncate-before r -p 0 --offset 195 >"$T/out"
grep -q $'log_start_offset: 195$' "$T/out" || fail "truncate-before: $(cat "$T/out")"
[[ $(start_of r) == 195 ]] || fail "describe start after truncate-before: $(start_of r)"
grep -q '^klog-log-start 1 offset 195 check [0-9a-f]\{16\}$' "$KLOG_DIR/r-0/klog.log-start" ||
  fail "klog.log-start: $(cat "$KLOG_DIR/r-0/klog.log-start")"
"$R" -t r -o 3 --format '%o\n' >"$T/read" 2>"$T/err"
[[ $(head -n1 "$T/read") == 195 && $(wc -l <"$T/read") == 5 ]] || fail "read -o 3: $(cat "$T/read")"
grep -q "offset 3 is below the log start offset 195" "$T/err" || fail "no warning: $(cat "$T/err")"
"$R" -t r -o beginning --format '%o\n' >"$T/read" 2>"$T/err"
[[ $(head -n1 "$T/read") == 195 && ! -s $T/err ]] || fail "read -o beginning: $(cat "$T/read" "$T/err")"
seq 1 2 | "$A" -t r  # a writer reopens with the persisted start
[[ $(start_of r) == 195 ]] || fail "start after reopen: $(start_of r)"
run "$K" truncate-before r -p 0 --offset 1000
[[ $rc == 1 ]] && grep -q "above the log end offset 202" "$T/err" || fail "past the end: $rc $(cat "$T/err")"
run "$K" truncate-before r -p 7 --offset 1
[[ $rc == 1 ]] || fail "unknown partition: $rc"

# A writer holding the lock: Busy, exit 1.
mkfifo "$T/fifo"
"$A" -t r <"$T/fifo" &
HOLD=$!
PIDS+=("$HOLD")
exec 3>"$T/fifo"
echo held >&3
# The appender takes the lock once it reads its first line and then writes
# its pid into klog.lock; wait for that without probing the lock ourselves
# (a probe that wins the race would make the appender fail instead).
for ((i = 0; i < 200; i++)); do
  grep -q "^pid $HOLD " "$KLOG_DIR/r-0/klog.lock" 2>/dev/null && break
  sleep 0.05
done
grep -q "^pid $HOLD " "$KLOG_DIR/r-0/klog.lock" || fail "appender never took the lock"
run "$K" enforce-retention r
[[ $rc == 1 ]] && grep -q "locked by pid" "$T/err" || fail "enforce-retention while locked: $rc $(cat "$T/err")"
run "$K" truncate-before r -p 0 --offset 196
[[ $rc == 1 ]] && grep -q "locked by pid" "$T/err" || fail "truncate-before while locked: $rc"
exec 3>&-
wait "$HOLD"
HOLD=
echo "retention: ok"
