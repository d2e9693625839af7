#!/usr/bin/env bash
# Damage on disk is never silent. A deleted middle segment of a 3-segment
# partition (all its files, or only its .log): klog-read -d exits 1 naming
# the segment and the lost offsets after printing what comes before,
# klog-dump --verify exits 1 naming them, and klog-serve answers a fetch of
# those offsets with KAFKA_STORAGE_ERROR (56) instead of skipping them. A
# negative position written into the active segment's .index: klog-read -d
# still prints everything, with a warning naming the file. A record that does
# not decode: klog-read -d names the segment file and the batch's position.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
export KLOG_DIR=$T/data
seg() { printf '%s/%020d' "$1" "$2"; }

# Three segments: 0-99, 100-199 and the active one from 200 (one batch each).
make_three() {
  rm -rf "$KLOG_DIR/$1.topic.json" "$KLOG_DIR/$1-0"
  "$B/klog-topic" create "$1" --config segment.bytes=200
  for from in 0 100 200; do seq $from $((from + 99)) | "$B/klog-append" -t "$1"; done
  [[ $(ls "$KLOG_DIR/$1-0" | grep -c '\.log$') == 3 ]] || fail "$1: not 3 segments: $(ls "$KLOG_DIR/$1-0")"
  [[ -f $(seg "$KLOG_DIR/$1-0" 100).log ]] || fail "$1: no segment 100"
}

# A missing middle segment, all its files.
make_three gone
rm "$(seg "$KLOG_DIR/gone-0" 100)".*
want="segment $(seg "$KLOG_DIR/gone-0" 100).log is missing: offsets 100-199 lost"
run "$B/klog-read" -t gone
[[ $rc == 1 ]] || fail "klog-read over a missing segment: exit $rc"
[[ $(cat "$T/err") == "klog-read: $want" ]] || fail "klog-read message: $(cat "$T/err")"
[[ $(cat "$T/out") == "$(seq 0 99)" ]] || fail "klog-read did not print what comes before the hole"
run "$B/klog-dump" --verify "$KLOG_DIR/gone-0"
[[ $rc == 1 ]] || fail "klog-dump --verify over a missing segment: exit $rc"
[[ $(cat "$T/err") == "klog-dump: $want" ]] || fail "klog-dump message: $(cat "$T/err")"
run "$B/klog-read" -t gone -o 150
[[ $rc == 1 && $(cat "$T/err") == "klog-read: $want" ]] || fail "-o inside the hole: $rc $(cat "$T/err")"
run "$B/klog-read" -t gone -o 200
[[ $rc == 0 && $(cat "$T/out") == "$(seq 200 299)" ]] || fail "-o after the hole: $rc $(cat "$T/err")"

# Only its .log: the same.
make_three nolog
rm "$(seg "$KLOG_DIR/nolog-0" 100).log"
want2="segment $(seg "$KLOG_DIR/nolog-0" 100).log is missing: offsets 100-199 lost"
run "$B/klog-read" -t nolog
[[ $rc == 1 && $(cat "$T/err") == "klog-read: $want2" ]] || fail "only .log: $rc $(cat "$T/err")"
run "$B/klog-dump" --verify "$KLOG_DIR/nolog-0"
[[ $rc == 1 && $(cat "$T/err") == "klog-dump: $want2" ]] || fail "verify only .log: $rc $(cat "$T/err")"

# The broker: a fetch of the lost offsets is KAFKA_STORAGE_ERROR, not the next segment.
broker_start -d "$KLOG_DIR"
PYTHONPATH="$SRC/tests/clients" timeout 60 /usr/bin/python3 - "${ADDR#*:}" <<'PY' || fail "fetch checks failed"
import sys
import kwire as k

c = k.Conn(int(sys.argv[1]))
def fetch(offset):
    return k.parse_fetch(4, c.call(k.fetch(4, [("gone", 0, offset, 1 << 20)])))[1][0]
def short(p):
    return {key: v for key, v in p.items() if key != "records"}
bad = []
p = fetch(0)
if p["error"] != 0 or [b[0] for b in k.batches(p["records"])] != [0]:
    bad.append("fetch at 0: %r" % short(p))
for offset in (100, 150, 199):
    p = fetch(offset)
    if p["error"] != 56 or p["records_len"] > 0:
        bad.append("fetch at %d: want KAFKA_STORAGE_ERROR (56), got %r" % (offset, short(p)))
p = fetch(200)
if p["error"] != 0 or [b[0] for b in k.batches(p["records"])] != [200]:
    bad.append("fetch at 200: %r" % short(p))
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
grep -q "is missing: offsets 100-199 lost" "$T/log" || fail "the broker did not log the lost range"
broker_stop

# A negative position in the active segment's .index.
"$B/klog-topic" create idx --config index.interval.bytes=64
for from in 0 50 100 150; do seq $from $((from + 49)) | "$B/klog-append" -t idx; done
index=$(seg "$KLOG_DIR/idx-0" 0).index
size=$(stat -c %s "$index")
((size >= 16)) || fail "active index has $size bytes"
printf '\xff\xff\xff\xfb' | dd of="$index" bs=1 seek=$((size - 4)) conv=notrunc status=none
run "$B/klog-read" -t idx
[[ $rc == 0 ]] || fail "klog-read with a negative index position: exit $rc: $(cat "$T/err")"
[[ $(cat "$T/out") == "$(seq 0 199)" ]] || fail "klog-read with a negative index position printed $(wc -l <"$T/out") lines"
grep -q "^klog-read: warning: $index pos $((size - 8)): negative offset or position" "$T/err" ||
  fail "no warning naming the index: $(cat "$T/err")"

# A record that does not decode inside a batch with a good CRC: file and position.
"$B/klog-topic" create rec
echo first | "$B/klog-append" -t rec
# From a file: one read(2) gets all four lines, so they make one batch (bash's
# printf writes a pipe line by line, and a loaded machine split the batch).
printf 'a\nb\nc\nd\n' >"$T/abcd"
"$B/klog-append" -t rec <"$T/abcd"
log=$(seg "$KLOG_DIR/rec-0" 0).log
pos=$(PYTHONPATH="$SRC/tests/clients" /usr/bin/python3 - "$log" <<'PY'
import struct, sys
import kwire as k

path = sys.argv[1]
data = bytearray(open(path, "rb").read())
pos = 12 + struct.unpack(">i", data[8:12])[0]       # the second batch
end = pos + 12 + struct.unpack(">i", data[pos + 8:pos + 12])[0]
rec = pos + 61                                      # its first record
length = data[rec] >> 1                             # zigzag, one byte
data[rec + 1 + length] = 0x7e                       # record 1's length: 63, past the batch
data[pos + 17:pos + 21] = struct.pack(">I", k.crc32c(bytes(data[pos + 21:end])))
open(path, "wb").write(data)
print(pos)
PY
)
run "$B/klog-read" -t rec
[[ $rc == 1 ]] || fail "klog-read of an undecodable record: exit $rc"
grep -q "^klog-read: $log pos $pos: record 1: " "$T/err" || fail "record error: $(cat "$T/err")"
printf 'first\na\n' | cmp -s - "$T/out" || fail "records before the bad one: $(cat "$T/out")"
echo "ok"
