#!/usr/bin/env bash
# Produce validates every record of every batch before the append (issue 9,
# faults 1 and 2). Over the raw wire (tests/clients/kwire.py), each with a
# correct CRC: a record of length -5 (CORRUPT_MESSAGE), a record count that
# disagrees with the last offset delta, 2 records with last offset delta
# 2,000,000,000, offset deltas out of order, a producer id without a
# sequence, a control batch, a keyless record to a compacted topic (all
# INVALID_RECORD), a ~300 KB gzip batch that expands to 300 MiB
# (MESSAGE_TOO_LARGE, and the broker's peak RSS stays small), and a Produce
# to __consumer_offsets (INVALID_TOPIC_EXCEPTION). After each, the broker is
# up and the log end has not moved; afterwards a good produce is
# acknowledged, `klog-read -b` and `klog-read -d` read exactly the good
# records, and the broker restarts with its group offsets intact.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

"$B/klog-topic" -d "$T/data" create plain
"$B/klog-topic" -d "$T/data" create keyed --config cleanup.policy=compact
broker_start -d "$T/data" --no-auto-create

PYTHONPATH="$SRC/tests/clients" timeout 300 /usr/bin/python3 - "${ADDR#*:}" "$PID" <<'PY' ||
import struct, sys, zlib
import kwire as k

PORT = int(sys.argv[1])
BROKER = int(sys.argv[2])
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)

c = k.Conn(PORT, timeout=60)
def produce(topic, records, acks=-1):
    return k.parse_produce(7, c.call(k.produce(7, topic, 0, records, acks)))[1][0]
def log_end(topic):
    return k.parse_list_offsets(1, c.call(k.list_offsets(1, topic, 0, -1)))[1][0][3]
def status_kb(field):
    for line in open("/proc/%d/status" % BROKER):
        if line.startswith(field + ":"):
            return int(line.split()[1])

def raw_batch(records, count, last_delta, attributes=0, producer_id=-1, sequence=-1):
    """A RecordBatch v2 around an already encoded records section, correct CRC."""
    after_crc = struct.pack(">hiqqqhii", attributes, last_delta, 1700000000000,
                            1700000000000, producer_id, 0 if producer_id >= 0 else -1,
                            sequence, count) + records
    rest = struct.pack(">ibI", -1, 2, k.crc32c(after_crc)) + after_crc
    return struct.pack(">qi", 0, len(rest)) + rest

def record(delta, key, value, length=None):
    body = b"\x00" + k.varint(0) + k.varint(delta)
    body += k.varint(-1) if key is None else k.varint(len(key)) + key
    body += k.varint(len(value)) + value + k.varint(0)
    return k.varint(len(body) if length is None else length) + body

# Good records first, so there is a log end to keep.
r = produce("plain", k.batch([b"good-0", b"good-1", b"good-2"]))
check(r[1] == 0 and r[2] == 0, "first good produce to plain: %r" % (r,))
r = produce("keyed", k.batch([b"v0"], keys=[b"k0"]))
check(r[1] == 0 and r[2] == 0, "first good produce to keyed: %r" % (r,))

two = record(0, b"a", b"x") + record(1, b"b", b"y")
bad = [
    ("a record of length -5", "plain",
     raw_batch(record(0, b"k", b"v", length=-5), 1, 0), 2),
    ("records count 2, last offset delta 5", "plain", raw_batch(two, 2, 5), 87),
    ("2 records, last offset delta 2,000,000,000", "plain", raw_batch(two, 2, 2000000000), 87),
    ("offset deltas 1, 0", "plain",
     raw_batch(record(1, b"a", b"x") + record(0, b"b", b"y"), 2, 1), 87),
    ("producer id 5 with sequence -1", "plain", raw_batch(two, 2, 1, producer_id=5), 87),
    ("a control batch", "plain", raw_batch(record(0, b"\x00\x00\x00\x00", b"\x00\x00\x00\x00\x00\x00"),
                                          1, 0, attributes=0x20), 87),
    ("a keyless record to a compacted topic", "keyed",
     k.batch([b"v1", b"v2"], keys=None), 87),
    ("Produce to __consumer_offsets", "__consumer_offsets",
     k.batch([b"\x00\x01"], keys=[b"\x00\x01\x00\x01g"]), 17),
]
# acks=-1 appends on the thread pool; a small acks=1 append to an open
# writer is checked and written on the loop thread: both paths are tried.
for acks in (-1, 1):
    for label, topic, records, want in bad:
        end = log_end(topic)
        r = produce(topic, records, acks)
        check(r[1] == want, "%s, acks %d: error %d, expected %d" % (label, acks, r[1], want))
        check(log_end(topic) == end, "%s, acks %d: log end moved from %d to %d"
              % (label, acks, end, log_end(topic)))

# A gzip bomb: one record claiming a 300 MiB value, ~300 KB compressed.
value_len = 300 << 20
head = b"\x00" + k.varint(0) + k.varint(0) + k.varint(-1) + k.varint(value_len)
head = k.varint(len(head) + value_len + 1) + head
z = zlib.compressobj(9, zlib.DEFLATED, 31)
parts = [z.compress(head)]
chunk = bytes(1 << 20)
for _ in range(300):
    parts.append(z.compress(chunk))
parts.append(z.compress(k.varint(0)) + z.flush())
bomb = raw_batch(b"".join(parts), 1, 0, attributes=1)
check(len(bomb) < 400 * 1024, "the bomb is %d bytes" % len(bomb))
end = log_end("plain")
open("/proc/%d/clear_refs" % BROKER, "w").write("5")  # VmHWM := VmRSS
rss_before = status_kb("VmRSS")
r = produce("plain", bomb)
peak = status_kb("VmHWM")
check(r[1] == 10, "gzip bomb (%d bytes): error %d, expected 10 (MESSAGE_TOO_LARGE)"
      % (len(bomb), r[1]))
check(log_end("plain") == end, "gzip bomb: log end moved")
check(peak - rss_before < 64 * 1024,
      "gzip bomb: broker peak RSS grew by %d KiB (from %d KiB)" % (peak - rss_before, rss_before))

# The broker still takes good batches, after the last good offset.
r = produce("plain", k.batch([b"good-3", b"good-4"]))
check(r[1] == 0 and r[2] == 3, "good produce after the bad ones: %r" % (r,))
check(log_end("plain") == 5, "plain ends at %d, not 5" % log_end("plain"))
sys.exit(1 if failures else 0)
PY
  fail "wire checks failed"

kill -0 "$PID" 2>/dev/null || fail "klog-serve died"
# The refused Produce did not even create the internal topic.
[[ ! -e $T/data/__consumer_offsets-0 ]] || fail "the Produce created __consumer_offsets-0"
grep -q "produce to plain-0: batch at byte 0: record 0: length runs past the batch (CORRUPT_MESSAGE)" \
  "$T/log" || fail "no log line naming the record of length -5"
grep -q "cannot append to internal topic __consumer_offsets (INVALID_TOPIC_EXCEPTION)" "$T/log" ||
  fail "no log line for the Produce to __consumer_offsets"

printf 'good-%s\n' 0 1 2 3 4 >"$T/want"
timeout 60 "$B/klog-read" -b "$ADDR" -t plain >"$T/got-b" 2>"$T/err-b" ||
  fail "klog-read -b: $(cat "$T/err-b")"
cmp -s "$T/want" "$T/got-b" || fail "klog-read -b read: $(head -c 300 "$T/got-b")"
broker_stop

"$B/klog-read" -d "$T/data" -t plain >"$T/got-d" 2>"$T/err-d" ||
  fail "klog-read -d: $(cat "$T/err-d")"
cmp -s "$T/want" "$T/got-d" || fail "klog-read -d read: $(head -c 300 "$T/got-d")"
"$B/klog-read" -d "$T/data" -t keyed --format '%k=%s\n' >"$T/got-keyed"
[[ $(cat "$T/got-keyed") == "k0=v0" ]] || fail "keyed holds: $(cat "$T/got-keyed")"
"$B/klog-dump" --verify "$T/data/plain-0" >/dev/null 2>"$T/err-v" ||
  fail "klog-dump --verify: $(cat "$T/err-v")"

# The broker restarts on what the refused requests left.
broker_restart
kill -0 "$PID" 2>/dev/null || fail "klog-serve did not restart"
broker_stop
echo "serve_produce_validate: ok"
