#!/usr/bin/env bash
# klog-serve reads what a Fetch returns on its thread pool, never on the loop
# thread that serves every connection (klog-serve(1), THREADS). strace -f -y
# records each pread64(2) and openat(2) of klog-serve with the thread that
# made it and the path of the file: while kcat consumes 20 MB from the
# start, then a consumer waiting at the log end is woken by appends, the
# segment and index files are read, and never by the main thread (the
# thread whose id is the process id). kcat must see every record.
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

strace -f -y -qq -e trace=pread64,openat -o "$T/trace" -p "$PID" 2>"$T/strace.err" &
PIDS+=($!)
STRACE=$!
for ((i = 0; i < 100; i++)); do
  [[ $(awk '/^TracerPid:/ {print $2}' "/proc/$PID/status") != 0 ]] && break
  sleep 0.05
done
[[ $(awk '/^TracerPid:/ {print $2}' "/proc/$PID/status") != 0 ]] ||
  fail "strace did not attach: $(cat "$T/strace.err")"

n=$(timeout 60 kcat -C -b "$ADDR" -t t -p 0 -o beginning -e -q | wc -l)
[[ $n == 20000 ]] || fail "kcat read $n records, not 20000"
# A consumer at the log end, woken by each append.
timeout 60 kcat -C -b "$ADDR" -t t -p 0 -o end -c 30 -q >"$T/tail" &
PIDS+=($!)
TAIL=$!
sleep 1
for i in $(seq 1 30); do echo "late$i"; done | timeout 30 kcat -P -b "$ADDR" -t t -p 0 -X linger.ms=0 -X batch.num.messages=1
wait "$TAIL" || fail "the tailing consumer failed"
[[ $(wc -l <"$T/tail") == 30 ]] || fail "the tailing consumer got $(wc -l <"$T/tail") records"

kill -INT "$STRACE"
wait "$STRACE" || true
segment_reads=$(grep -cE 'pread64\([0-9]+<[^>]*/t-0/[0-9]+\.log>' "$T/trace" || true)
((segment_reads > 10)) || fail "strace saw $segment_reads segment reads: $(head -5 "$T/trace")"
on_loop=$(grep -E "^$PID +(pread64|openat)\(.*/t-0/[0-9]+\.(log|index)" "$T/trace" || true)
[[ -z $on_loop ]] || fail "the loop thread read segment files: $(head -5 <<<"$on_loop")"
echo ok
