#!/usr/bin/env bash
# Compaction inside klog-serve: a topic created through CreateTopics with
# cleanup.policy=compact refuses a record without a key (INVALID_RECORD,
# 87); 6000 keyed records over 150 keys with tombstones are produced by
# confluent-kafka; the broker's cleaner (log.cleaner.backoff.ms=200,
# min.cleanable.dirty.ratio=0.01) compacts the sealed segments while the
# producer is still appending; afterwards kcat reads a subset of what the
# producer's delivery reports said (same offsets, keys and values), fewer
# records, and each key's latest record is still there. klog-dump --verify passes on every
# segment after a SIGTERM.
# Needs /usr/bin/python3 with python3-confluent-kafka, and kcat.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
PY=/usr/bin/python3
$PY -c "import confluent_kafka" 2>/dev/null || fail "$PY cannot import confluent_kafka"
command -v kcat >/dev/null || fail "kcat is not installed"
D=$T/data
mkdir -p "$D"
printf 'log.cleaner.backoff.ms=200\n' >"$T/serve.conf"
broker_start -d "$D" --config "$T/serve.conf"

"$B/klog-topic" -b "$ADDR" create c --partitions 2 --config cleanup.policy=compact \
  --config segment.bytes=8192 --config min.cleanable.dirty.ratio=0.01 ||
  fail "create the compacted topic"

$PY - "$ADDR" >"$T/before" 2>"$T/produce.err" <<'EOF' || fail "producer: $(cat "$T/produce.err")"
import random, sys, time
from confluent_kafka import KafkaError, Producer
p = Producer({"bootstrap.servers": sys.argv[1], "linger.ms": 5, "batch.num.messages": 50})
errors = []
sent = []
def report(err, msg):
    if err is not None:
        errors.append(err.code())
    elif msg.key() is not None:
        value = "NULL" if msg.value() is None else msg.value().decode()
        sent.append((msg.partition(), msg.offset(), msg.key().decode(), value))
# A record without a key is refused.
p.produce("c", value=b"no key", on_delivery=report)
p.flush(10)
if errors != [KafkaError.INVALID_RECORD]:
    sys.exit(f"keyless record: delivery errors {errors}, want INVALID_RECORD")
errors.clear()
rng = random.Random(7)
for i in range(6000):
    key = b"key-%03d" % rng.randrange(150)
    value = None if rng.random() < 0.05 else b"value-%05d-" % i + b"x" * 60
    p.produce("c", key=key, value=value, on_delivery=report)
    if i % 500 == 499:
        p.flush(10)
        time.sleep(0.3)  # let the cleaner run between appends
p.flush(10)
if errors:
    sys.exit(f"delivery errors {errors[:5]}")
for r in sorted(sent):
    print("%d %d %s %s" % r)
EOF

consume() {  # FILE: every record as "partition offset key value" (NULL for a tombstone)
  timeout 60 kcat -b "$ADDR" -C -t c -e -q -Z -f '%p %o %k %s\n' | sort -k1,1n -k2,2n >"$1"
}
[[ $(wc -l <"$T/before") == 6000 ]] || fail "the producer's delivery reports: $(wc -l <"$T/before")"
# Wait for the cleaner (it runs while the producer appends, and after).
for ((i = 0; i < 100; i++)); do
  consume "$T/after"
  (($(wc -l <"$T/after") < 6000)) && grep -q "cleaned in" "$T/log" && break
  sleep 0.2
done
grep -q "cleaned in" "$T/log" || fail "the cleaner never ran"
nb=$(wc -l <"$T/before") na=$(wc -l <"$T/after")
((na < nb)) || fail "compaction removed nothing ($na of $nb records)"
# Same offsets, same keys and values: what is left is a subset.
comm -13 <(sort "$T/before") <(sort "$T/after") >"$T/extra"
[[ ! -s $T/extra ]] || fail "records that were never produced: $(head -n3 "$T/extra")"
# Every key's latest record survives.
awk '{ last[$1 " " $3] = $0 } END { for (k in last) print last[k] }' "$T/before" | sort >"$T/latest"
comm -23 "$T/latest" <(sort "$T/after") >"$T/lost"
[[ ! -s $T/lost ]] || fail "latest records lost: $(head -n3 "$T/lost")"
# Offsets still increase within each partition.
awk '$1 == p && $2 <= o { bad = 1 } { p = $1; o = $2 } END { exit bad }' "$T/after" ||
  fail "offsets out of order after compaction"

broker_stop
for log in "$D"/c-*/*.log; do
  "$B/klog-dump" --verify "$log" >/dev/null 2>"$T/verify" || fail "verify $log: $(cat "$T/verify")"
done
ls "$D"/c-*/ | grep -q 'cleaned\|klog.cleaning' && fail "cleaner files left behind"
echo "serve_compact: ok ($na of $nb records after compaction)"
