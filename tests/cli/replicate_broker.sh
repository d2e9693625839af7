#!/usr/bin/env bash
# klog-replicate -b BROKERS -d DIR: a copy made over the wire from klog-serve
# holds the source's batches at the same offsets, byte for byte (--compare
# says equal, klog-read prints the same), for every codec, a compacted topic
# with gaps and a log start moved by truncate-before, with the source's
# topic configs; a rerun copies nothing, and one after more was produced
# copies only that. A copy that diverged (records appended to it locally)
# is truncated with a warning, or refused with --no-truncate (exit 1). A
# batch that fails its CRC at the source stops the copy (exit 1) naming
# the offset (klog-serve refuses to serve it). A broker that is not listening fails quickly (exit 1); -s
# with -b, and -b without -d, are usage errors (exit 2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

src=$T/src dst=$T/dst

# check_same NAME TOPIC...: klog-read prints the same of the source and the
# copy, and --compare says every partition is equal.
check_same() {
  local name=$1 t
  shift
  for t in "$@"; do
    "$B/klog-read" -d "$src" -t "$t" --format '%p %o %k %s\n' >"$T/a"
    "$B/klog-read" -d "$dst" -t "$t" --format '%p %o %k %s\n' >"$T/b"
    cmp -s "$T/a" "$T/b" || fail "$name: topic $t reads differently from the copy"
  done
  run "$B/klog-replicate" --compare "$src" "$dst"
  [[ $rc == 0 ]] || fail "$name: --compare exit $rc: $(cat "$T/out" "$T/err")"
  ! grep -qv 'equal$' "$T/out" || fail "$name: --compare: $(cat "$T/out")"
}

# 1. A source with several codecs, a compacted topic with gaps and a moved log start.
"$B/klog-topic" -d "$src" create orders --partitions 4 --config segment.bytes=8000
codecs=(none gzip lz4 zstd)
for round in 1 2; do
  for p in 0 1 2 3; do
    seq $((round * 1000)) $((round * 1000 + 500)) |
      "$B/klog-append" -d "$src" -t orders -p "$p" -z "${codecs[p]}" --batch-bytes 2k
  done
done
"$B/klog-topic" -d "$src" create users --config cleanup.policy=compact --config segment.bytes=4000
for i in 1 2 3 4; do
  seq 1 300 | awk -v r="$i" '{ print "k" NR % 40 " v" r "-" $0 }' | "$B/klog-append" -d "$src" -t users -K ' '
done
"$B/klog-topic" -d "$src" compact users >/dev/null
"$B/klog-topic" -d "$src" truncate-before orders -p 2 --offset 700 >/dev/null
broker_start -d "$src" --no-auto-create

run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" --stats
[[ $rc == 0 ]] || fail "copy exit $rc: $(cat "$T/err")"
[[ ! -s $T/err ]] || fail "copy wrote to stderr: $(cat "$T/err")"
[[ $(wc -l <"$T/out") == 5 ]] || fail "--stats: want 5 lines: $(cat "$T/out")"
awk -F'\t' '$1 == "orders" && $2 == 2 { exit !($5 == 700 && $6 == 1002) }' "$T/out" ||
  fail "orders-2 does not start at the source's log start 700: $(cat "$T/out")"
check_same "first copy" orders users
"$B/klog-topic" -d "$dst" describe users | grep -q 'cleanup.policy=compact' ||
  fail "the copy's users topic lost cleanup.policy=compact"
"$B/klog-topic" -d "$dst" describe orders | grep -q 'segment.bytes=8000' ||
  fail "the copy's orders topic lost segment.bytes=8000"
segs=$(find "$dst/orders-0" -name '*.log' | wc -l)
((segs > 1)) || fail "the copy did not roll by its segment.bytes (one segment)"

# 2. A rerun copies nothing; one after more was produced copies only that.
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" --stats
[[ $rc == 0 ]] || fail "rerun exit $rc: $(cat "$T/err")"
awk -F'\t' '$3 != 0 || $4 != 0 { exit 1 }' "$T/out" || fail "rerun copied something: $(cat "$T/out")"
seq 1 20 | "$B/klog-append" -b "$ADDR" -t orders -p 1 >/dev/null
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" -t orders --stats
[[ $rc == 0 ]] || fail "incremental exit $rc: $(cat "$T/err")"
awk -F'\t' '$2 == 1 && $3 == 0 { exit 1 } $2 != 1 && $3 != 0 { exit 1 }' "$T/out" ||
  fail "incremental copy: only partition 1 gains: $(cat "$T/out")"
check_same "incremental copy" orders users

# 3. Divergence: records appended to the copy itself are cut off again.
seq 1 5 | "$B/klog-append" -d "$dst" -t orders -p 0
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" --no-truncate
[[ $rc == 1 ]] || fail "--no-truncate on a diverged copy: exit $rc, want 1"
grep -q 'orders partition 0.*diverges.*offset 1002.*--no-truncate' "$T/err" ||
  fail "--no-truncate message: $(cat "$T/err")"
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst"
[[ $rc == 0 ]] || fail "diverged copy exit $rc: $(cat "$T/err")"
grep -q '^klog-replicate: warning: topic orders partition 0: .*diverges.* 1002' "$T/err" ||
  fail "no truncation warning: $(cat "$T/err")"
check_same "after truncation" orders users

# 3b. Divergence found by the Fetch itself (diverging epoch): the copy got
# records in epoch 0 past where the source's epoch 0 ended; the source went
# on in epoch 1 past the copy's end.
broker_stop
"$B/klog-topic" -d "$src" create ep >/dev/null
seq 1 10 | "$B/klog-append" -d "$src" -t ep
broker_start -d "$src" --no-auto-create
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" -t ep
[[ $rc == 0 ]] || fail "ep copy exit $rc: $(cat "$T/err")"
broker_stop
seq 1 5 | "$B/klog-append" -d "$dst" -t ep
printf '0\n2\n0 0\n1 10\n' >"$src/ep-0/leader-epoch-checkpoint"
seq 11 20 | "$B/klog-append" -d "$src" -t ep
broker_start -d "$src" --no-auto-create
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" -t ep --stats
[[ $rc == 0 ]] || fail "diverging epoch: exit $rc: $(cat "$T/err")"
grep -q "^klog-replicate: warning: topic ep partition 0: .*(the source's epoch 0 ends at 10).* 15 to 10" "$T/err" ||
  fail "diverging epoch: no truncation warning: $(cat "$T/err")"
check_same "after a diverging epoch" ep

# 4. A batch that fails its CRC at the source stops the copy at its offset.
broker_stop
mapfile -t logs < <(find "$src/orders-0" -name '*.log' | sort)
((${#logs[@]} > 1)) || fail "source orders-0 has a single segment"
first=${logs[0]}  # sealed: the broker's recovery does not look at it
size=$(stat -c %s "$first")
printf 'X' | dd of="$first" bs=1 seek=$((size - 10)) conv=notrunc status=none
broker_start -d "$src" --no-auto-create
run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$T/bad" -t orders
[[ $rc == 1 ]] || fail "corrupt source batch: exit $rc, want 1"
# klog-serve checks the CRC itself and answers KAFKA_STORAGE_ERROR (a broker
# that sends the bad batch is the unit tests' remote_partition case).
grep -q 'topic orders partition 0: .*KAFKA_STORAGE_ERROR\|topic orders partition 0 offset [0-9]*: fetched batch fails its CRC-32C' "$T/err" ||
  fail "corrupt batch message: $(cat "$T/err")"

# 5. Usage errors exit 2; a broker that is not listening fails within seconds.
run "$B/klog-replicate" -s "$src" -b "$ADDR" -d "$T/x"
[[ $rc == 2 ]] || fail "-s with -b: exit $rc, want 2"
run "$B/klog-replicate" -b "$ADDR"
[[ $rc == 2 ]] || fail "-b without -d: exit $rc, want 2"
grep -q 'needs -d' "$T/err" || fail "-b without -d message: $(cat "$T/err")"
run "$B/klog-replicate" -b localhost -d "$T/x"
[[ $rc == 2 ]] || fail "-b without a port: exit $rc, want 2"
start=$SECONDS
run timeout 60 "$B/klog-replicate" -b 127.0.0.1:1 -d "$T/none"
[[ $rc == 1 ]] || fail "broker not listening: exit $rc, want 1 ($(cat "$T/err"))"
grep -q '^klog-replicate: .*127.0.0.1:1' "$T/err" || fail "not listening message: $(cat "$T/err")"
((SECONDS - start < 30)) || fail "not listening: took $((SECONDS - start)) s"
broker_stop
echo "replicate_broker: ok"
