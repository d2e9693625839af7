#!/usr/bin/env bash
# klog in five minutes: what `make demo` runs.
#
# Uses the tools in $KLOG_BIN (default: build/ of this repository) and a
# fresh data directory under a temporary directory that is removed at the end.
# Every step prints the command it runs; the script checks what it gets back
# and exits non-zero at the first surprise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KLOG_BIN=${KLOG_BIN:-$here/../build}
for tool in klog-append klog-read klog-topic klog-dump; do
  if [[ ! -x $KLOG_BIN/$tool ]]; then
    echo "quickstart: $KLOG_BIN/$tool not found; run 'make build' or set KLOG_BIN" >&2
    exit 1
  fi
done
KLOG_BIN=$(cd "$KLOG_BIN" && pwd)
export PATH=$KLOG_BIN:$PATH

work=$(mktemp -d "${TMPDIR:-/tmp}/klog-quickstart.XXXXXX")
serve_pid=""
trap '[[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
export KLOG_DIR=$work/klog-data
cd "$work"

# Prints a shell command, then runs it.
run() {
  printf '\n$ %s\n' "$1"
  bash -o pipefail -c "$1"
}

# Fails the demo with a message unless "$1" equals "$2".
expect() {
  if [[ $1 != "$2" ]]; then
    printf 'quickstart: FAILED: %s\n  expected: %s\n  got:      %s\n' "$3" "$2" "$1" >&2
    exit 1
  fi
}

section() { printf '\n== %s\n' "$*"; }

echo "klog quick start; data directory: \$KLOG_DIR = $KLOG_DIR"

section "A topic is created on first append; every line is a record"
run 'seq 100000 | klog-append -t numbers'
run 'klog-read -t numbers | tail -n 3'
expect "$(klog-read -t numbers | wc -l)" 100000 "record count"
expect "$(klog-read -t numbers | awk '{ s += $1 } END { printf "%.0f", s }')" 5000050000 "sum of the values"

section "Start anywhere: the last 3 records, with offsets and timestamps"
run "klog-read -t numbers -o -3 --format '%p:%o %T %s\n'"
expect "$(klog-read -t numbers -o -3 --format '%o\n' | head -n 1)" 99997 "offset of -o -3"
run 'klog-read -t numbers -o 500 -c 2'
expect "$(klog-read -t numbers -o 500 -c 2 | tr '\n' ' ')" "501 502 " "records at offset 500"

section "Keys choose the partition (Kafka's murmur2), headers ride along"
run "printf 'alice:login\nbob:login\nalice:buy book\ncarol:login\nbob:logout\n' |
  klog-append -t events -K : --partitions 3 -H source=demo"
run "klog-read -t events --format 'partition %p offset %o  %k=%s  [%h]\n'"
expect "$(klog-read -t events | wc -l)" 5 "events appended"
expect "$(klog-read -t events --format '%k\n' | sort -u | wc -l)" 3 "distinct keys"
for key in alice bob carol; do
  parts=$(klog-read -t events --format '%k %p\n' | awk -v k="$key" '$1 == k { print $2 }' | sort -u | wc -l)
  expect "$parts" 1 "every record of key $key in one partition"
done

section "JSON out, JSON in: copying a topic keeps keys, headers and timestamps"
run 'klog-read -t events --json | head -n 2'
run 'klog-read -t events --json | klog-append -t events-copy --json --partitions 3'
expect "$(klog-read -t events-copy --format '%p %k %s %T %h\n' | sort)" \
  "$(klog-read -t events --format '%p %k %s %T %h\n' | sort)" "copy equals the original"
printf '\nevents and events-copy hold the same records.\n'

section "Compression is per batch and invisible to readers"
run 'seq 50000 | klog-append -t packed -z zstd'
expect "$(klog-read -t packed | tail -n 1)" 50000 "last value of a zstd topic"

section "Topics"
run 'klog-topic list'
expect "$(klog-topic list | tr '\n' ' ')" "events events-copy numbers packed " "topic list"
run 'klog-topic describe events'

section "The files are Kafka's log format; klog-dump shows and checks them"
run 'ls $KLOG_DIR $KLOG_DIR/numbers-0'
run 'klog-dump $KLOG_DIR/events-0 | head -n 4'
run 'klog-dump --verify $KLOG_DIR/numbers-0 $KLOG_DIR/events-0 $KLOG_DIR/packed-0'

section "The same directory through a broker: klog-serve speaks Kafka's protocol"
if [[ -x $KLOG_BIN/klog-serve ]] && command -v kcat >/dev/null; then
  # Port 0: the kernel picks a free port and klog-serve prints HOST:PORT.
  printf '\n$ klog-serve --listen 127.0.0.1:0 &\n'
  klog-serve --listen 127.0.0.1:0 --log-level warn > "$work/serve.addr" &
  serve_pid=$!
  for _ in $(seq 1 100); do [[ -s $work/serve.addr ]] && break; sleep 0.05; done
  addr=$(head -n 1 "$work/serve.addr")
  [[ -n $addr ]] || { echo "quickstart: FAILED: klog-serve did not start" >&2; exit 1; }
  run "kcat -b $addr -L | head -n 8"
  expect "$(kcat -b "$addr" -L | grep -c 'topic \"')" 4 "kcat sees the four topics"
  # Any Kafka client reads what klog-append wrote, and writes what klog-read reads.
  run "kcat -C -b $addr -t numbers -o -3 -e -q"
  expect "$(kcat -C -b "$addr" -t numbers -o -3 -e -q | tr '\n' ' ')" "99998 99999 100000 " \
    "kcat reads the last three numbers"
  run "printf 'from kcat 1\\nfrom kcat 2\\n' | kcat -P -b $addr -t via-broker"
  run "kcat -C -b $addr -t via-broker -e -q -f '%o %s\\n'"
  if klog-read --help | grep -q -- '--brokers'; then
    # The tools themselves take -b: the same flags and output as with -d.
    run "klog-read -b $addr -t via-broker --format '%o %s\\n'"
    run "seq 3 | klog-append -b $addr -t via-broker"
  fi
  kill "$serve_pid"
  wait "$serve_pid" || true
  serve_pid=""
  run 'klog-read -t via-broker'
  expect "$(klog-read -t via-broker | head -n 2 | tr '\n' ' ')" "from kcat 1 from kcat 2 " \
    "what kcat produced is in the directory"
else
  echo "(klog-serve or kcat missing: skipped)"
fi

printf '\nquickstart: all steps passed.\n'
