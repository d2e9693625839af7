#!/usr/bin/env bash
# kill -9 of klog-serve while a real producer (confluent-kafka, acks=all)
# is sending: every message the broker acknowledged is in the log after a
# restart, at the offset it was acknowledged with, and the log verifies.
# Three rounds on the same directory; the broker restarted on a log left by
# kill -9 recovers and serves on. A SIGTERM stop then leaves the clean-shutdown
# checkpoint, so the next start needs no recovery.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

"$B/klog-topic" -d "$T/data" create crash --partitions 2
for round in 1 2 3; do
  broker_start -d "$T/data"
  # The producer writes "partition offset value" for each acknowledged message.
  timeout 60 /usr/bin/python3 - "$ADDR" "$round" >>"$T/acked" 2>>"$T/producer.err" <<'PY' &
import sys
from confluent_kafka import Producer
addr, rnd = sys.argv[1], sys.argv[2]
p = Producer({"bootstrap.servers": addr, "acks": "all", "linger.ms": 1,
              "message.timeout.ms": 2000, "retries": 0})
failed = []
def done(err, msg):
    if err is None:
        print(msg.partition(), msg.offset(), msg.value().decode(), flush=True)
    else:
        failed.append(err)
# Bounded: stops at the first failed delivery (the broker was killed).
for i in range(200000):
    if failed:
        break
    while True:
        try:
            p.produce("crash", value=("r%s-%d" % (rnd, i)).encode(), partition=i % 2,
                      on_delivery=done)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
p.flush(5)
PY
  PRODUCER=$!
  # Kill the broker once some messages of this round have been acknowledged.
  for ((i = 0; i < 300; i++)); do
    grep -q "r$round-" "$T/acked" 2>/dev/null && [[ $(grep -c "r$round-" "$T/acked") -gt 500 ]] && break
    sleep 0.05
  done
  broker_kill
  wait "$PRODUCER" 2>/dev/null || true
  n=$(grep -c "r$round-" "$T/acked" || true)
  [[ $n -gt 0 ]] || fail "round $round: nothing acknowledged"
done

# Restart on the killed log; what it serves and what the local tools read
# must contain every acknowledged message at its acknowledged offset.
broker_start -d "$T/data"
for p in 0 1; do
  "$B/klog-read" -d "$T/data" -t crash -p "$p" --format "$p %o %s\n" >>"$T/log-contents"
done
sort "$T/acked" >"$T/acked.sorted"
sort "$T/log-contents" >"$T/log.sorted"
missing=$(comm -23 "$T/acked.sorted" "$T/log.sorted" | head -n 5)
[[ -z $missing ]] || fail "acknowledged but not in the log: $missing"
total=$(wc -l <"$T/acked")
got=$(timeout 30 kcat -C -b "$ADDR" -t crash -e -q -f '%p %o %s\n' | sort | comm -12 - "$T/acked.sorted" | wc -l)
[[ $got == "$total" ]] || fail "the restarted broker serves $got of $total acknowledged messages"
for p in 0 1; do
  "$B/klog-dump" --verify "$T/data/crash-$p" >/dev/null || fail "klog-dump --verify crash-$p"
done
# A write opens (and recovers) the partitions; SIGTERM then closes them cleanly.
for p in 0 1; do echo "after-$p" | kcat -P -b "$ADDR" -t crash -p "$p"; done
broker_stop
[[ -f $T/data/crash-0/klog.checkpoint ]] || fail "no clean-shutdown checkpoint after SIGTERM"
broker_start -d "$T/data"
for p in 0 1; do echo "again-$p" | kcat -P -b "$ADDR" -t crash -p "$p"; done
broker_stop
! grep -qi "truncat\|rebuil" "$T/log" || fail "recovery after a clean shutdown: $(cat "$T/log")"
echo "serve_crash: ok ($total acknowledged messages over 3 kill -9 rounds)"
