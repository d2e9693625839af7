#!/usr/bin/env bash
# Log shipping with pipes: an application writes app.log; a shipper,
#   tail -F app.log | klog-append -t app
# appends every new line to the topic "app"; on the other side
#   klog-read -t app -f -c N
# receives the lines as they arrive and exits after N of them.
#
# Uses the tools in $KLOG_BIN (default: build/ of this repository) and a
# temporary directory. Every wait is bounded; background processes are
# stopped (by their process id) and the directory removed on exit. Exits
# non-zero if the reader does not receive exactly what the application wrote.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KLOG_BIN=${KLOG_BIN:-$here/../build}
KLOG_BIN=$(cd "$KLOG_BIN" && pwd)
export PATH=$KLOG_BIN:$PATH
LINES_PER_BURST=${LINES_PER_BURST:-250}
BURSTS=${BURSTS:-4}
TOTAL=$((LINES_PER_BURST * BURSTS))

work=$(mktemp -d "${TMPDIR:-/tmp}/klog-shipping.XXXXXX")
export KLOG_DIR=$work/klog-data
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "log-shipping: FAILED: $*" >&2
  exit 1
}

# Waits up to $2 seconds for process $1 to end; returns 1 if it is still running.
wait_for_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while kill -0 "$pid" 2>/dev/null; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

cd "$work"
: >app.log
klog-topic create app --if-not-exists

# The receiving side starts first and follows the topic.
echo "reader:  klog-read -t app -f -c $TOTAL > received.txt"
klog-read -t app -f -c "$TOTAL" >received.txt 2>reader.err &
reader=$!
pids+=("$reader")

# The shipper: tail -F | klog-append, through a FIFO so that both process
# ids are known and the shipper can be stopped cleanly at the end.
echo "shipper: tail -F app.log | klog-append -t app"
mkfifo ship.fifo
klog-append -t app <ship.fifo 2>shipper.err &
appender=$!
pids+=("$appender")
tail -n +1 -F app.log >ship.fifo 2>/dev/null &
tailer=$!
pids+=("$tailer")

# The application: bursts of log lines with pauses in between.
echo "app:     writing $BURSTS bursts of $LINES_PER_BURST lines to app.log"
n=0
for ((burst = 1; burst <= BURSTS; burst++)); do
  now=$(date +%T)
  for ((i = 1; i <= LINES_PER_BURST; i++)); do
    n=$((n + 1))
    printf '%s level=info burst=%d line=%d msg="request served"\n' "$now" "$burst" "$n"
  done >>app.log
  sleep 0.3
done

if ! wait_for_exit "$reader" 30; then
  fail "the reader received $(wc -l <received.txt) of $TOTAL lines within 30 s"
fi
wait "$reader" || fail "klog-read exited non-zero: $(cat reader.err)"
echo "reader:  exited after $(wc -l <received.txt) lines"

# Stop the shipper: tail ends, klog-append sees end of input and exits 0.
kill "$tailer" 2>/dev/null || true
wait_for_exit "$appender" 10 || fail "klog-append did not exit after its input closed"
wait "$appender" || fail "klog-append exited non-zero: $(cat shipper.err)"

cmp -s app.log received.txt || fail "received.txt differs from app.log: $(diff app.log received.txt | head -n 5)"
expect_count=$(klog-read -t app | wc -l)
[[ $expect_count -eq $TOTAL ]] || fail "the topic holds $expect_count records, not $TOTAL"
echo "log-shipping: ok: all $TOTAL lines of app.log arrived, in order"
