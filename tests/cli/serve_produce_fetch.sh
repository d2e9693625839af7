#!/usr/bin/env bash
# Produce, Fetch and ListOffsets on the wire, byte by byte (tests/clients/
# kwire.py builds the requests): offsets assigned in order; every bad batch
# (CRC, count, magic, size over message.max.bytes, zstd before v7), bad acks,
# topic name, unknown partition and Produce v0-2 gets its Kafka error code
# while the broker stays up; acks=0 gets no response; a fetch starts at the
# batch holding the offset, always returns one whole batch, honours the byte
# limits, answers an empty partition with records of length 0 (not null),
# waits max_wait_ms at the end, and is woken by an append; offsets out of
# range; zstd only to Fetch v10+; ListOffsets earliest, latest and by time.
# Afterwards the local tools read exactly what was produced.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

"$B/klog-topic" -d "$T/data" create orders --partitions 2
"$B/klog-topic" -d "$T/data" create ztopic
seq 1 50 | "$B/klog-append" -d "$T/data" -t ztopic -z zstd
printf 'message.max.bytes=4096\n' >"$T/conf"
broker_start -d "$T/data" --config "$T/conf" --no-auto-create

PYTHONPATH="$SRC/tests/clients" timeout 120 /usr/bin/python3 - "${ADDR#*:}" <<'PY' || fail "wire checks failed"
import sys, threading, time
import kwire as k

PORT = int(sys.argv[1])
failures = []
def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)

c = k.Conn(PORT)
def produce(version, topic, part, records, acks=-1, corr=1):
    return k.parse_produce(version, c.call(k.produce(version, topic, part, records, acks, corr)))[1][0]

# Offsets are assigned in order, per partition; acks 1 and -1 both answer.
r = produce(7, "orders", 0, k.batch([b"a", b"b", b"c"]), acks=1)
check(r[1] == 0 and r[2] == 0 and r[3] == -1 and r[4] == 0, "first produce: %r" % (r,))
r = produce(7, "orders", 0, k.batch([b"d", b"e"]), acks=-1)
check(r[1] == 0 and r[2] == 3, "second produce: %r" % (r,))
r = produce(3, "orders", 1, k.batch([b"p1"]))
check(r[1] == 0 and r[2] == 0, "produce v3 to partition 1: %r" % (r,))
# Two batches in one records field are appended together.
r = produce(5, "orders", 0, k.batch([b"f"]) + k.batch([b"g", b"h"]))
check(r[1] == 0 and r[2] == 5, "two batches: %r" % (r,))

# Bad input: the error code, nothing appended.
bad = [
    ("CRC mismatch", 7, "orders", 0, k.batch([b"x"], bad_crc=True), -1, 2),
    ("count != last offset delta + 1", 7, "orders", 0, k.batch([b"x", b"y"], count=5), -1, 2),
    ("magic 1", 7, "orders", 0, k.batch([b"x"], magic=1), -1, 43),
    ("over message.max.bytes", 7, "orders", 0, k.batch([b"x" * 5000]), -1, 10),
    ("truncated batch", 7, "orders", 0, k.batch([b"x"])[:-3], -1, 2),
    ("zstd before v7", 6, "orders", 0, k.batch([b"x"], attributes=4), -1, 76),
    ("acks 5", 7, "orders", 0, k.batch([b"x"]), 5, 21),
    ("topic name with a slash", 7, "../etc", 0, k.batch([b"x"]), -1, 17),
    ("unknown topic", 7, "nosuch", 0, k.batch([b"x"]), -1, 3),
    ("unknown partition", 7, "orders", 7, k.batch([b"x"]), -1, 3),
    ("Produce v2 (legacy format)", 2, "orders", 0, b"\x00" * 30, -1, 35),
    ("Produce v0", 0, "orders", 0, b"\x00" * 30, -1, 35),
]
for label, version, topic, part, records, acks, want in bad:
    try:
        r = produce(version, topic, part, records, acks)
        check(r[1] == want and r[2] == -1, "%s: got %r, want error %d" % (label, r, want))
    except Exception as e:
        check(False, "%s: %r" % (label, e))
        c = k.Conn(PORT)

# acks=0: no response; the next request's response comes next.
c.send(k.produce(7, "orders", 0, k.batch([b"i"]), acks=0, corr=77))
corr, res = k.parse_produce(7, c.call(k.produce(7, "orders", 0, k.batch([b"j"]), corr=78)))
check(corr == 78 and res[0][2] == 9, "after acks=0: corr %d result %r" % (corr, res))

def fetch(version, parts, **kw):
    return k.parse_fetch(version, c.call(k.fetch(version, parts, **kw)))[1]

# Everything from 0: 5 batches (3+2+1+2+1+1 = 10 records), HW 10.
p = fetch(4, [("orders", 0, 0, 1 << 20)])[0]
got = k.batches(p["records"])
check(p["error"] == 0 and p["hw"] == 10 and p["lso"] == 10, "fetch all: %r" % p)
check([b[0] for b in got] == [0, 3, 5, 6, 8, 9], "batch bases %r" % got)
# A fetch in the middle of a batch starts at the batch holding the offset.
p = fetch(10, [("orders", 0, 4, 1 << 20)])[0]
check(k.batches(p["records"])[0][0] == 3 and p["log_start"] == 0, "fetch from 4: %r" % p)
# Limits: one byte still returns the first whole batch; the next partition then gets nothing.
ps = fetch(11, [("orders", 0, 0, 1), ("orders", 1, 0, 1 << 20)], max_bytes=1)
check(len(k.batches(ps[0]["records"])) == 1, "max_bytes 1: %r" % ps[0])
check(ps[1]["records"] == b"" and ps[1]["hw"] == 1, "second partition after the limit: %r" % ps[1])
# One partition named twice in a request: each entry gets its own batches.
ps = fetch(4, [("orders", 0, 0, 1 << 20), ("orders", 0, 6, 1 << 20)])
check(k.batches(ps[0]["records"])[0][0] == 0 and k.batches(ps[1]["records"])[0][0] == 6,
      "partition listed twice: %r" % [k.batches(x["records"]) for x in ps])
# At the high watermark: empty records of length 0 (not null), after max_wait_ms.
t0 = time.time()
p = fetch(4, [("orders", 0, 10, 1 << 20)], max_wait_ms=300, min_bytes=1)[0]
waited = time.time() - t0
check(p["error"] == 0 and p["records_len"] == 0, "fetch at HW: %r" % p)
check(waited >= 0.25, "fetch at HW answered after %.3f s, before max_wait_ms 300" % waited)
# Out of range.
p = fetch(4, [("orders", 0, 11, 1 << 20)])[0]
check(p["error"] == 1 and p["hw"] == 10, "fetch past HW: %r" % p)
p = fetch(4, [("nosuch", 0, 0, 1 << 20)])[0]
check(p["error"] == 3, "fetch unknown topic: %r" % p)

# A waiting fetch is woken by an append on another connection.
result = {}
def waiter():
    w = k.Conn(PORT)
    t = time.time()
    result["p"] = k.parse_fetch(7, w.call(k.fetch(7, [("orders", 1, 1, 1 << 20)],
                                                  max_wait_ms=20000, min_bytes=1)))[1][0]
    result["t"] = time.time() - t
th = threading.Thread(target=waiter)
th.start()
time.sleep(0.3)
r = produce(7, "orders", 1, k.batch([b"wake"]))
th.join(30)
check("p" in result and k.batches(result["p"]["records"]) == [(1, 1, 0)],
      "woken fetch: %r" % result.get("p"))
check(result.get("t", 99) < 10, "woken fetch took %.1f s of its 20 s wait" % result.get("t", 99))

# zstd data (appended locally before start) only for Fetch v10+.
p = fetch(9, [("ztopic", 0, 0, 1 << 20)])[0]
check(p["error"] == 76 and p["records_len"] == 0, "zstd to Fetch v9: %r" % p)
p = fetch(10, [("ztopic", 0, 0, 1 << 20)])[0]
check(p["error"] == 0 and k.batches(p["records"])[0][2] & 7 == 4, "zstd to Fetch v10: %r" % p)

# ListOffsets: earliest, latest, by time (all records carry 1700000000000).
lo = lambda v, ts, part=0: k.parse_list_offsets(v, c.call(k.list_offsets(v, "orders", part, ts)))[1][0]
check(lo(1, -2)[3] == 0 and lo(1, -1)[3] == 10, "earliest/latest: %r %r" % (lo(1, -2), lo(1, -1)))
check(lo(0, -1)[3] == 10, "v0 latest: %r" % (lo(0, -1),))
check(lo(2, 1700000000000) == (0, 0, 1700000000000, 0), "by time: %r" % (lo(2, 1700000000000),))
check(lo(3, 1800000000000) == (0, 0, -1, -1), "after the last: %r" % (lo(3, 1800000000000),))
check(lo(1, -1, part=5)[1] == 3, "unknown partition: %r" % (lo(1, -1, part=5),))
sys.exit(1 if failures else 0)
PY

kill -0 "$PID" 2>/dev/null || fail "klog-serve died"
broker_stop
got=$("$B/klog-read" -d "$T/data" -t orders -p 0 | tr '\n' ' ')
[[ $got == "a b c d e f g h i j " ]] || fail "partition 0 read locally: '$got'"
got=$("$B/klog-read" -d "$T/data" -t orders -p 1 | tr '\n' ' ')
[[ $got == "p1 wake " ]] || fail "partition 1 read locally: '$got'"
"$B/klog-dump" --verify "$T/data/orders-0" >/dev/null || fail "klog-dump --verify"
grep -q "produce to orders-0: .*CRC-32C mismatch.* (CORRUPT_MESSAGE)" "$T/log" ||
  fail "no log line for the CRC mismatch"
echo "serve_produce_fetch: ok"
