#!/usr/bin/env bash
# klog-serve reads what a Fetch returns on its thread pool, not on the loop
# thread that serves every connection (libklog/partition/partition.h,
# Reads). strace -f -y records each pread64(2) and openat(2) of klog-serve
# with the thread that made it and the path of the file. While kcat
# consumes 20 MB from the start, segment and index files are read, and never
# by the main thread (the thread whose id is the process id). Then a
# consumer waits at the log end and is woken by 30 small appends: the one
# exception, a read of only what the last append job wrote (at most 64 KiB,
# from the page cache, through a reader already open there), may run on
# the loop thread, and does for at least one; any other file access there
# fails the test. kcat must see every record.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
command -v kcat >/dev/null || fail "kcat is not installed (make deps installs it)"
command -v strace >/dev/null || fail "strace is not installed (make deps installs it)"

D=$T/data
"$B/klog-topic" -d "$D" create t >/dev/null
# 20,000 records of 1000 bytes, in small segments so that the consumer
# crosses segments (each opened the first time it is read).
"$B/klog-topic" -d "$D" alter t --config segment.bytes=4000000 >/dev/null 2>&1 ||
  fail "klog-topic alter"
python3 -c '
import sys
line = b"x" * 999 + b"\n"
sys.stdout.buffer.write(line * 20000)
' | "$B/klog-append" -d "$D" -t t -p 0 || fail "klog-append"
broker_start -d "$D"

# trace_start FILE: strace on the broker into FILE, attached when it returns.
trace_start() {
  strace -f -y -qq -e trace=pread64,openat -o "$1" -p "$PID" 2>"$T/strace.err" &
  PIDS+=($!)
  STRACE=$!
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(awk '/^TracerPid:/ {print $2}' "/proc/$PID/status") != 0 ]] && return 0
    sleep 0.05
  done
  fail "strace did not attach: $(cat "$T/strace.err")"
}
trace_stop() {
  local i
  kill -INT "$STRACE"
  wait "$STRACE" || true
  for ((i = 0; i < 100; i++)); do
    [[ $(awk '/^TracerPid:/ {print $2}' "/proc/$PID/status") == 0 ]] && return 0
    sleep 0.05
  done
  fail "strace did not detach"
}
FILES='/t-0/[0-9]+\.(log|index)'

trace_start "$T/catchup"
n=$(timeout 60 kcat -C -b "$ADDR" -t t -p 0 -o beginning -e -q | wc -l)
[[ $n == 20000 ]] || fail "kcat read $n records, not 20000"
trace_stop
segment_reads=$(grep -cE "pread64\([0-9]+<[^>]*$FILES>" "$T/catchup" || true)
((segment_reads > 10)) || fail "strace saw $segment_reads segment reads: $(head -5 "$T/catchup")"
on_loop=$(grep -E "^$PID +(pread64|openat)\(.*$FILES" "$T/catchup" || true)
[[ -z $on_loop ]] || fail "the loop thread read segment files: $(head -5 <<<"$on_loop")"

# A consumer at the log end, woken by each append.
timeout 60 kcat -C -b "$ADDR" -t t -p 0 -o end -c 30 -q >"$T/tail" &
PIDS+=($!)
TAIL=$!
sleep 1
trace_start "$T/tailing"
for i in $(seq 1 30); do
  echo "late$i" | timeout 30 kcat -P -b "$ADDR" -t t -p 0
done
wait "$TAIL" || fail "the tailing consumer failed"
[[ $(wc -l <"$T/tail") == 30 ]] || fail "the tailing consumer got $(wc -l <"$T/tail") records"
trace_stop
on_loop=$(grep -E "^$PID +(pread64|openat)\(.*$FILES" "$T/tailing" || true)
last=$(basename "$(ls "$D"/t-0/*.log | tail -n1)")
bad=$(grep -vE "^$PID +pread64\([0-9]+<[^>]*/t-0/$last>, .*, ([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-6]), [0-9]+\) = " <<<"$on_loop" || true)
[[ -z $bad ]] || fail "the loop thread did more than read the newest bytes: $(head -5 <<<"$bad")"
# And the exception is taken: a woken consumer's read of the newest batch
# skips the hand-off (29 of 30 in a run on a 2-core machine).
hot=$(grep -c "pread64" <<<"$on_loop" || true)
((hot > 0)) || fail "no read of the newest bytes ran on the loop thread"
echo ok
