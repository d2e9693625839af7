#!/usr/bin/env bash
# klog-topic compact as a user sees it. A compacted topic with small segments
# is filled by klog-append -K from random keys and values; after compact,
# klog-read shows exactly the model (the latest record of each key in the
# sealed segments, every record of the active one) in offset order, with
# offsets unchanged; klog-dump --verify accepts every segment; a second
# compact rewrites nothing; a small key map needs several passes and gives
# the same result; -p compacts one partition. Tombstones survive
# delete.retention.ms and go after it.
# klog-append refuses keyless records on a compacted topic (named by line,
# the others appended, exit 1); compact refuses a topic without
# cleanup.policy=compact unless --force, a partition locked by a writer (exit
# 1), bad flags (exit 2) and broker mode (exit 2). A kill (SIGKILL, through
# KLOG_TEST_CLEANER_CRASH) before each step of the swap leaves a log that
# reads as the old or the compacted one; the next writer rolls the swap back
# (killed before the manifest) or forward (after), leaving no *.cleaned or
# klog.cleaning file, and the next compact reaches the model. A klog-read
# blocked mid-log while compact swaps its segments skips nothing.
# Usage: compact.sh BUILD_DIR [SOURCE_DIR]
set -euo pipefail
B=$(cd "$1" && pwd)
T=$(mktemp -d)
HOLD=
cleanup() {
  [[ -n $HOLD ]] && kill "$HOLD" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
export KLOG_DIR=$T/data
fail() { echo "compact: FAIL: $*" >&2; exit 1; }
K=$B/klog-topic
A=$B/klog-append
R=$B/klog-read
D=$B/klog-dump
PY=/usr/bin/python3
run() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; }
# As run, but a death by signal is reported (128 + signal) by an inner shell
# whose "Killed" notice goes to $T/err, not to the test's output.
run_quiet() { rc=0; bash -c '"$@"; exit $?' _ "$@" >"$T/out" 2>"$T/err" || rc=$?; }
FMT='%o %k %s\n'

# Writes N "key:value" lines over KEYS random keys to $1 (seeded, so every run
# is the same).
generate() {
  "$PY" - "$1" "$2" "$3" <<'EOF'
import random, sys
path, n, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(20261123)
with open(path, "w") as f:
    for i in range(n):
        k = "key%04d" % rnd.randrange(keys)
        f.write("%s:v%d-%s\n" % (k, i, "x" * rnd.randrange(40)))
EOF
}

# Prints what klog-read --format '%o %k %s\n' must show after compaction of
# the "key:value" lines in file $1 appended at offsets 0.. to one partition
# whose active segment starts at offset $2: in the sealed segments the latest
# record of each key among them, then every record of the active segment.
model() {
  "$PY" - "$1" "$2" <<'EOF'
import sys
path, active = sys.argv[1], int(sys.argv[2])
recs = [l.rstrip("\n").split(":", 1) for l in open(path)]
latest = {}
for off, (k, v) in enumerate(recs):
    if off < active:
        latest[k] = off
for off, (k, v) in enumerate(recs):
    if off >= active or latest[k] == off:
        print(off, k, v)
EOF
}

# The base offset of partition dir $1's newest segment.
active_base() { ls "$1" | sed -n 's/^0*\([0-9][0-9]*\)\.log$/\1/p' | sort -n | tail -n1; }

# Digests of every segment file and klog.cleaner (not the lock or the
# clean-shutdown checkpoint, which each open rewrites).
state() { (cd "$1" && md5sum -- *.log *.index *.timeindex *.xxh3 klog.cleaner 2>/dev/null); }

verify() { "$D" --verify "$1" >"$T/verify" 2>&1 || fail "$2: klog-dump --verify: $(tail -n3 "$T/verify")"; }

no_leftovers() {
  local left
  left=$(ls "$1" | grep -E '\.cleaned$|^klog\.cleaning' || true)
  [[ -z $left ]] || fail "$2: left behind: $left"
}

# 1. Fill a compacted topic with small segments and compact it.
generate "$T/input" 3000 300
"$K" create c --config cleanup.policy=compact --config segment.bytes=4096 --config retention.ms=-1
"$A" -t c -K : --batch-bytes 1k <"$T/input"
P=$KLOG_DIR/c-0
segs=$(ls "$P" | grep -c '\.log$')
((segs > 20)) || fail "expected many segments, got $segs"
"$R" -t c --format "$FMT" >"$T/old"
[[ $(wc -l <"$T/old") == 3000 ]] || fail "appended $(wc -l <"$T/old") records, not 3000"
model "$T/input" "$(active_base "$P")" >"$T/model"
cp -a "$KLOG_DIR" "$T/pre"  # the uncompacted data, for the crash tests

"$K" compact c >"$T/out"
grep -qE $'^c-0\tpasses: [1-9][0-9]*\tsegments_read: [1-9][0-9]*\tsegments_written: [1-9]' "$T/out" ||
  fail "compact output: $(cat "$T/out")"
kept=$(sed -n 's/.*records_kept: \([0-9]*\).*/\1/p' "$T/out")
removed=$(sed -n 's/.*records_removed: \([0-9]*\).*/\1/p' "$T/out")
((kept > 0 && removed > 2000)) || fail "kept $kept, removed $removed: $(cat "$T/out")"
"$R" -t c --format "$FMT" >"$T/new"
diff -q "$T/model" "$T/new" >/dev/null || fail "read after compact differs from the model:
$(diff "$T/model" "$T/new" | head -n 10)"
after=$(ls "$P" | grep -c '\.log$')
((after < segs)) || fail "segments were not merged: $segs before, $after after"
verify "$P" "after compact"
no_leftovers "$P" "after compact"
[[ -s $P/klog.cleaner ]] || fail "no klog.cleaner checkpoint"

# 2. A second run changes nothing.
state "$P" >"$T/state1"
"$K" compact c >"$T/out"
state "$P" >"$T/state2"
diff -q "$T/state1" "$T/state2" >/dev/null || fail "second compact changed files:
$(diff "$T/state1" "$T/state2" | head)"
grep -q $'\tsegments_written: 0\t' "$T/out" || fail "second compact: $(cat "$T/out")"
"$R" -t c --format "$FMT" | cmp -s - "$T/model" || fail "read after the second compact"

# 3. A key map of 4 KiB (170 keys) needs several passes for 300 keys; same result.
cp -a "$T/pre" "$T/small"
KLOG_DIR=$T/small "$K" compact c --key-map-bytes 4k >"$T/out"
passes=$(sed -n 's/.*passes: \([0-9]*\).*/\1/p' "$T/out")
((passes >= 2)) || fail "small key map: $passes passes: $(cat "$T/out")"
KLOG_DIR=$T/small "$R" -t c --format "$FMT" | cmp -s - "$T/model" ||
  fail "small key map: read differs from the model"
verify "$T/small/c-0" "small key map"
rm -rf "$T/small"

# 4. klog-append refuses records without a key on a compacted topic.
printf 'a:1\nno key here\nb:2\n' >"$T/keyless"
run "$A" -t c -K : <"$T/keyless"
[[ $rc == 1 ]] || fail "keyless record: exit $rc"
grep -q "^klog-append: line 2: record without a key" "$T/err" || fail "keyless: $(cat "$T/err")"
[[ $(wc -l <"$T/err") == 1 ]] || fail "keyless: more than one error: $(cat "$T/err")"
"$R" -t c -o -2 --format '%k %s\n' >"$T/tail"
[[ $(cat "$T/tail") == $'a 1\nb 2' ]] || fail "keyless: the keyed records: $(cat "$T/tail")"
run "$A" -t c --json <<<'{"value":"v"}'
[[ $rc == 1 ]] && grep -q "line 1: record without a key" "$T/err" || fail "keyless JSON: $rc $(cat "$T/err")"
echo '{"key":"a","value":null}' | "$A" -t c --json || fail "a tombstone was refused"
echo 'no key' | "$A" -t plain -K : || fail "keyless record refused on a delete topic"

# 5. Tombstones stay for delete.retention.ms after the pass that kept them.
"$K" create tomb --config cleanup.policy=compact --config segment.bytes=100 \
  --config delete.retention.ms=0
for r in '{"key":"x","value":"1"}' '{"key":"y","value":"2"}' '{"key":"x","value":null}' \
  '{"key":"z","value":"3"}'; do
  echo "$r" | "$A" -t tomb --json
done
"$K" compact tomb >/dev/null
"$R" -t tomb --format '%o %k %S\n' >"$T/tomb"
[[ $(cat "$T/tomb") == $'1 y 1\n2 x -1\n3 z 1' ]] || fail "tombstone after the first pass: $(cat "$T/tomb")"
sleep 0.01
echo '{"key":"w","value":"4"}' | "$A" -t tomb --json  # seals z's segment: new dirty data
"$K" compact tomb >"$T/out"
"$R" -t tomb --format '%o %k %S\n' >"$T/tomb"
[[ $(cat "$T/tomb") == $'1 y 1\n3 z 1\n4 w 1' ]] ||
  fail "tombstone past its horizon: $(cat "$T/tomb") ($(cat "$T/out"))"
verify "$KLOG_DIR/tomb-0" "tombstones"

# 6. Refusals and usage errors.
"$K" create d --config segment.bytes=100
for i in 1 2 3; do echo "$i" | "$A" -t d; done  # one segment each: two are sealed
run "$K" compact d
[[ $rc == 1 ]] && grep -q "cleanup.policy=delete" "$T/err" && grep -q -- "--force" "$T/err" ||
  fail "non-compact topic: $rc $(cat "$T/err")"
[[ ! -e $KLOG_DIR/d-0/klog.cleaner ]] || fail "a refused compact touched the partition"
run "$K" compact d --force
[[ $rc == 0 ]] || fail "--force: $rc $(cat "$T/err")"
[[ $("$R" -t d | wc -l) == 1 ]] || fail "--force: keyless records of sealed segments should be gone"
run "$K" compact nosuch
[[ $rc == 1 ]] && grep -q "does not exist" "$T/err" || fail "unknown topic: $rc $(cat "$T/err")"
run "$K" compact c -p 3
[[ $rc == 1 ]] && grep -q "no partition 3" "$T/err" || fail "unknown partition: $rc $(cat "$T/err")"
run "$K" compact c -p 0
[[ $rc == 0 && $(grep -c '^c-0' "$T/out") == 1 ]] || fail "-p 0: $rc $(cat "$T/out" "$T/err")"
"$K" create m --partitions 2 --config cleanup.policy=compact --config segment.bytes=100
for i in 1 2 3 4 5 6; do echo "k$i:$i" | "$A" -t m -K : -p $((i % 2)); done
"$K" compact m -p 1 >"$T/out"
[[ $(cut -f1 "$T/out") == m-1 ]] || fail "compact -p 1 printed: $(cat "$T/out")"
[[ -e $KLOG_DIR/m-1/klog.cleaner && ! -e $KLOG_DIR/m-0/klog.cleaner ]] ||
  fail "compact -p 1 should compact partition 1 only"
"$K" compact m >"$T/out"
[[ $(cut -f1 "$T/out" | tr '\n' ' ') == "m-0 m-1 " ]] || fail "compact of 2 partitions: $(cat "$T/out")"
for bad in "" "--key-map-bytes lots" "--key-map-bytes 100" "--key-map-bytes" "-p -1" "-p x" \
  "--bogus" "extra"; do
  # shellcheck disable=SC2086
  run "$K" compact $([[ $bad == "" ]] || echo c) $bad
  [[ $rc == 2 ]] || fail "compact ${bad:-without a topic}: exit $rc, not 2"
  grep -q "Try 'klog-topic --help'" "$T/err" || fail "compact $bad: $(cat "$T/err")"
done
run "$K" -b 127.0.0.1:1 compact c
[[ $rc == 2 ]] && grep -q "min.cleanable.dirty.ratio" "$T/err" || fail "broker mode: $rc $(cat "$T/err")"

# 7. A writer holding the lock: Busy, exit 1, nothing changed.
mkfifo "$T/fifo"
"$A" -t c -K : <"$T/fifo" &
HOLD=$!
exec 3>"$T/fifo"
echo held:1 >&3
for ((i = 0; i < 200; i++)); do
  grep -q "^pid $HOLD " "$P/klog.lock" 2>/dev/null && break
  sleep 0.05
done
grep -q "^pid $HOLD " "$P/klog.lock" || fail "appender never took the lock"
run "$K" compact c
[[ $rc == 1 ]] && grep -q "locked by pid $HOLD" "$T/err" || fail "compact while locked: $rc $(cat "$T/err")"
exec 3>&-
wait "$HOLD"
HOLD=

# 8. SIGKILL before each step of the swap (klog-format(5)): a reader sees the
# old or the compacted log. The next writer (klog-append) recovers: it rolls
# back a swap killed before its manifest was written and rolls forward one
# killed after; the next compact then compacts what is left.
cp "$T/input" "$T/input2"
echo "zz:after" >>"$T/input2"
for step in check manifest rename unlink checkpoint done; do
  rm -rf "$T/crash"
  cp -a "$T/pre" "$T/crash"
  run_quiet env KLOG_DIR="$T/crash" KLOG_TEST_CLEANER_CRASH=$step "$K" compact c
  [[ $rc == 137 ]] || fail "crash at $step: exit $rc, not 137 (SIGKILL): $(cat "$T/err")"
  KLOG_DIR=$T/crash "$R" -t c --format "$FMT" >"$T/crashread" 2>"$T/err" ||
    fail "crash at $step: klog-read failed: $(cat "$T/err")"
  cmp -s "$T/crashread" "$T/old" || cmp -s "$T/crashread" "$T/model" ||
    fail "crash at $step: the log reads as neither the old nor the compacted one:
$(diff "$T/model" "$T/crashread" | head -n 6)"
  echo "zz:after" | KLOG_DIR=$T/crash "$A" -t c -K : 2>"$T/err" ||
    fail "crash at $step: append after the crash failed: $(cat "$T/err")"
  no_leftovers "$T/crash/c-0" "crash at $step, after the next writer"
  case $step in
    check | manifest) want=$T/old ;;
    *) want=$T/model ;;
  esac
  KLOG_DIR=$T/crash "$R" -t c --format "$FMT" >"$T/crashread"
  { cat "$want"; echo "3000 zz after"; } | cmp -s - "$T/crashread" ||
    fail "crash at $step: after the next writer's recovery the log is not ${want##*/} + 1 record"
  KLOG_DIR=$T/crash "$K" compact c >"$T/out" 2>"$T/err" ||
    fail "crash at $step: compact after the crash failed: $(cat "$T/err")"
  model "$T/input2" "$(active_base "$T/crash/c-0")" >"$T/model2"
  KLOG_DIR=$T/crash "$R" -t c --format "$FMT" | cmp -s - "$T/model2" ||
    fail "crash at $step: read after the next compact differs from the model"
  no_leftovers "$T/crash/c-0" "crash at $step"
  verify "$T/crash/c-0" "crash at $step"
done

# 9. A reader in the middle of the log while compact swaps its segments
# (klog-read blocked on a full pipe) goes on: offsets strictly increasing,
# no record of the compacted log skipped, every record one of the old log.
generate "$T/big" 20000 2000
"$K" create big --config cleanup.policy=compact --config segment.bytes=65536
"$A" -t big -K : --batch-bytes 4k <"$T/big"
"$R" -t big --format "$FMT" >"$T/bigold"
model "$T/big" "$(active_base "$KLOG_DIR/big-0")" >"$T/bigmodel"
"$R" -t big --format "$FMT" | {
  IFS= read -r first && printf '%s\n' "$first"
  while [[ ! -e $T/go ]]; do sleep 0.05; done
  cat
} >"$T/during" &
READER=$!
sleep 0.5  # klog-read fills the pipe and its buffer, then blocks mid-log
"$K" compact big >/dev/null
touch "$T/go"
wait "$READER" || fail "klog-read across the swap failed"
"$PY" - "$T/bigold" "$T/bigmodel" "$T/during" <<'EOF2' || fail "reader across the swap"
import sys
old, model, got = (open(p).read().splitlines() for p in sys.argv[1:])
offs = [int(l.split(" ", 1)[0]) for l in got]
assert all(a < b for a, b in zip(offs, offs[1:])), "offsets not strictly increasing"
missing = set(model) - set(got)
assert not missing, "skipped %d records, e.g. %s" % (len(missing), sorted(missing)[:3])
alien = set(got) - set(old)
assert not alien, "records not in the old log: %s" % sorted(alien)[:3]
assert len(got) < len(old), "the reader saw no compacted segment (%d lines)" % len(got)
EOF2

echo "compact: ok"
