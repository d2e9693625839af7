#!/usr/bin/env bash
# Damage on disk is never served as good data. A topic of three segments
# (segment.bytes=20000, 1 KiB batches) gets one byte of a record value
# changed ("12000" -> "12#00") in the middle of its sealed second segment.
# Then: klog-read -d stops with the file and position (as before); klog-read
# -b prints the same records and exits 1 naming KAFKA_STORAGE_ERROR and the
# offset, instead of printing the damaged value or timing out; with -f too; a
# confluent-kafka consumer receives every record before the damage and never
# the damaged value; the broker logs the file and position, but not once per
# retried fetch; the records after the damaged batch are still served. Only
# 127.0.0.1 is used.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

"$B/klog-topic" -d "$T/data" create t --config segment.bytes=20000
seq 10000 12999 | "$B/klog-append" -d "$T/data" -t t --batch-bytes 1k
SEG=00000000000000001426.log
[[ $(ls "$T/data/t-0/"*.log | wc -l) == 3 && -f $T/data/t-0/$SEG ]] ||
  fail "expected 3 segments, the second $SEG: $(ls "$T/data/t-0")"
/usr/bin/python3 - "$T/data/t-0/$SEG" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
i = data.find(b"12000")
assert 0 < i < len(data) - 10, "value 12000 not inside %s" % path
data[i + 2] = ord("#")
open(path, "wb").write(data)
PY

# Local mode: stops at the damaged batch, naming file and position.
rc=0
"$B/klog-read" -d "$T/data" -t t >"$T/local.out" 2>"$T/local.err" || rc=$?
[[ $rc == 1 ]] || fail "klog-read -d exited $rc on a damaged segment"
WHERE=$(grep -oE "$SEG pos [0-9]+: checksum mismatch" "$T/local.err") ||
  fail "klog-read -d did not name the damage: $(cat "$T/local.err")"
GOOD=$(wc -l <"$T/local.out")
((GOOD > 1000 && GOOD < 2000)) || fail "klog-read -d printed $GOOD records before the damage"
FIRST_BAD=$((GOOD))  # offsets start at 0: the damaged batch starts here

BROKER_METRICS=1
broker_start -d "$T/data" --metrics 127.0.0.1:0

# Broker mode: the same records, then exit 1 naming the storage error.
rc=0
timeout 60 "$B/klog-read" -b "$ADDR" -t t >"$T/broker.out" 2>"$T/broker.err" || rc=$?
[[ $rc == 1 ]] || fail "klog-read -b exited $rc on a damaged segment: $(cat "$T/broker.err")"
grep -q "12#00" "$T/broker.out" && fail "klog-read -b printed the damaged value"
cmp -s "$T/local.out" "$T/broker.out" ||
  fail "klog-read -b printed $(wc -l <"$T/broker.out") records, klog-read -d $GOOD"
grep -q "^klog-read: topic 't' partition 0 at offset $FIRST_BAD: the broker answers KAFKA_STORAGE_ERROR" \
  "$T/broker.err" || fail "klog-read -b did not report the storage error: $(cat "$T/broker.err")"
grep -q "no answer to a fetch" "$T/broker.err" && fail "klog-read -b reported a timeout"
rc=0
timeout 60 "$B/klog-read" -b "$ADDR" -t t -f -o "$((FIRST_BAD - 5))" >"$T/follow.out" 2>"$T/follow.err" ||
  rc=$?
[[ $rc == 1 ]] || fail "klog-read -b -f exited $rc on a damaged segment: $(cat "$T/follow.err")"
grep -q "KAFKA_STORAGE_ERROR" "$T/follow.err" || fail "klog-read -b -f: $(cat "$T/follow.err")"
[[ $(wc -l <"$T/follow.out") == 5 ]] || fail "klog-read -b -f printed $(wc -l <"$T/follow.out") records"

# A group member (librdkafka group consumer) ends the same way instead of
# stalling on the damaged partition, having printed what comes before it.
rc=0
timeout 60 "$B/klog-read" -b "$ADDR" -t t --group dmg --until-end >"$T/group.out" 2>"$T/group.err" ||
  rc=$?
[[ $rc == 1 ]] || fail "klog-read -b --group exited $rc on a damaged segment: $(cat "$T/group.err")"
grep -q "partition 0.*KAFKA_STORAGE_ERROR" "$T/group.err" ||
  fail "klog-read -b --group did not report the storage error: $(cat "$T/group.err")"
[[ $(wc -l <"$T/group.out") == "$GOOD" ]] ||
  fail "klog-read -b --group printed $(wc -l <"$T/group.out") records, klog-read -d $GOOD"

# A confluent-kafka consumer: everything before the damage, never the damaged
# value, while it retries the damaged fetch at least 5 times.
timeout 300 /usr/bin/python3 - "$ADDR" "$METRICS" "$FIRST_BAD" <<'PY' || fail "confluent-kafka consumer"
import sys, time, urllib.request
from confluent_kafka import Consumer, TopicPartition
addr, metrics, first_bad = sys.argv[1], sys.argv[2], int(sys.argv[3])

def fetch_errors():
    text = urllib.request.urlopen("http://%s/metrics" % metrics, timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith('klog_request_errors_total{api="Fetch"} '):
            return int(line.split()[1])
    return 0

c = Consumer({"bootstrap.servers": addr, "group.id": "damage", "enable.auto.commit": False,
              "fetch.error.backoff.ms": 100})
c.assign([TopicPartition("t", 0, 0)])
values, errors = [], []
start_errors = fetch_errors()
deadline = time.time() + 240
while time.time() < deadline:
    m = c.poll(0.2)
    if m is not None:
        if m.error():
            errors.append(str(m.error()))
        else:
            values.append((m.offset(), m.value()))
    if len(values) >= first_bad and fetch_errors() >= start_errors + 5:
        break
c.close()
bad = [v for v in values if v[1] == b"12#00"]
ok = [o for o, _ in values] == list(range(first_bad))
print("consumer: %d records (last %r), %d errors, %d failed fetches" %
      (len(values), values[-1] if values else None, len(errors), fetch_errors() - start_errors))
if bad or not ok or fetch_errors() < start_errors + 5:
    print("FAIL: damaged value received %r, offsets in order %r" % (bad, ok), file=sys.stderr)
    sys.exit(1)
PY

# The broker names file and position, collapsing the retries.
LINES=$(grep -c "$WHERE" "$T/log" || true)
ERRORS=$(/usr/bin/python3 -c '
import sys, urllib.request
text = urllib.request.urlopen("http://%s/metrics" % sys.argv[1], timeout=10).read().decode()
print([l.split()[1] for l in text.splitlines() if l.startswith("klog_request_errors_total{api=\"Fetch\"} ")][0])
' "$METRICS")
((LINES >= 1)) || fail "the broker did not log '$WHERE'"
grep -q "klog-serve: error: t-0: fetch from offset $FIRST_BAD: .*$WHERE" "$T/log" ||
  fail "the broker's line does not name partition and offset"
((ERRORS >= 7 && LINES < ERRORS)) ||
  fail "the damage was logged $LINES times for $ERRORS failed fetches (not collapsed)"

# What follows the damaged batch is still served.
AFTER=$((FIRST_BAD + 100))
"$B/klog-read" -b "$ADDR" -t t -o "$AFTER" >"$T/after.out" || fail "klog-read -b -o $AFTER"
[[ $(wc -l <"$T/after.out") == $((3000 - AFTER)) && $(head -n1 "$T/after.out") == $((10000 + AFTER)) ]] ||
  fail "after the damage: $(wc -l <"$T/after.out") records from $(head -n1 "$T/after.out")"

broker_stop
echo "serve_damage: ok"
