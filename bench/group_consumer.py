"""One member of a consumer group for bench/groups.sh: subscribes to TOPIC in
GROUP and consumes until the group's committed offsets reach the log end of
every partition (offsets stored after each batch, auto-commit every 200 ms;
checked whenever this member has nothing to read), then prints one line:
"<first-record-seconds> <records> <last-record-seconds>", times measured
from START (a time.time() value given by the caller).
usage: group_consumer.py BOOTSTRAP GROUP TOPIC START"""
import sys
import time

from confluent_kafka import Consumer, TopicPartition

addr, group, topic, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
c = Consumer({"bootstrap.servers": addr, "group.id": group, "auto.offset.reset": "earliest",
              "enable.auto.commit": True, "auto.commit.interval.ms": 200,
              # Offsets are stored by hand after each batch: librdkafka 2.0's
              # automatic store can run ahead of the messages consume()
              # returns when a rebalance revokes partitions mid-batch, and
              # those records would then be skipped by the next owner.
              "enable.auto.offset.store": False,
              "session.timeout.ms": 6000, "heartbeat.interval.ms": 500,
              "fetch.wait.max.ms": 100})
count = len(c.list_topics(topic, timeout=10).topics[topic].partitions)
parts = [TopicPartition(topic, p) for p in range(count)]
end = sum(c.get_watermark_offsets(tp, timeout=10)[1] for tp in parts)
c.subscribe([topic])
first = None
last = None
n = 0
while time.time() - start < 120:
    msgs = c.consume(10000, 0.2)
    got = [m for m in msgs if not m.error()]
    if got:
        now = time.time()
        first = first or now
        last = now
        n += len(got)
        ends = {}
        for m in got:
            ends[m.partition()] = m.offset() + 1
        try:
            c.store_offsets(offsets=[TopicPartition(topic, p, o) for p, o in ends.items()])
        except Exception:  # a partition revoked meanwhile: its new owner re-reads
            pass
        continue
    committed = c.committed(parts, timeout=10)
    if sum(max(tp.offset, 0) for tp in committed) >= end:
        break
c.close()
print("%.3f %d %.3f" % ((first or start) - start, n, (last or start) - start))
