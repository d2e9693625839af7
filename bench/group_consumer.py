"""One member of a consumer group for bench/groups.sh: subscribes to TOPIC in
GROUP, consumes until the group has seen TOTAL records (each member stops
once its partitions are idle for 2 s), and prints one line:
"<first-record-seconds> <records> <last-record-seconds>", times measured
from START (a time.time() value given by the caller).
usage: group_consumer.py BOOTSTRAP GROUP TOPIC START"""
import sys
import time

from confluent_kafka import Consumer

addr, group, topic, start = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
c = Consumer({"bootstrap.servers": addr, "group.id": group, "auto.offset.reset": "earliest",
              "enable.auto.commit": True, "session.timeout.ms": 6000,
              "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 100})
c.subscribe([topic])
first = None
last = None
n = 0
idle_since = time.time()
while time.time() - idle_since < 2.0 and time.time() - start < 120:
    msgs = c.consume(10000, 0.2)
    got = [m for m in msgs if not m.error()]
    if got:
        now = time.time()
        first = first or now
        last = now
        n += len(got)
        idle_since = now
    elif first is None:
        idle_since = time.time()  # still waiting for an assignment
c.close()
print("%.3f %d %.3f" % ((first or start) - start, n, (last or start) - start))
