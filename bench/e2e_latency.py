"""End-to-end latency through a Kafka broker: one confluent-kafka producer
sends RATE messages/s for SECONDS (each value carries its send time), one
consumer in the same process (manual assign at the end, no group) receives
them; prints percentiles of receive time - send time. Run with
/usr/bin/python3 (Debian's python3-confluent-kafka).
usage: e2e_latency.py BOOTSTRAP TOPIC RATE SECONDS"""
import struct
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_END

addr, topic, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
total = int(rate * seconds)
pad = b"x" * 92  # 100-byte values

producer = Producer({"bootstrap.servers": addr, "linger.ms": 0, "acks": 1})
producer.produce(topic, b"warm-up")  # creates the topic, opens connections
producer.flush(10)
consumer = Consumer({"bootstrap.servers": addr, "group.id": "klog-bench-unused",
                     "enable.auto.commit": False, "fetch.wait.max.ms": 500,
                     "fetch.error.backoff.ms": 0})
consumer.assign([TopicPartition(topic, 0, OFFSET_END)])
consumer.poll(1.0)  # resolve the start offset before sending

lat = []
def consume():
    deadline = time.monotonic() + seconds + 15
    while len(lat) < total and time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error():
            continue
        v = m.value()
        if len(v) >= 8:
            lat.append(time.monotonic_ns() - struct.unpack(">q", v[:8])[0])
t = threading.Thread(target=consume)
t.start()
time.sleep(0.5)
start = time.monotonic()
for i in range(total):
    due = start + i / rate
    now = time.monotonic()
    if due > now:
        time.sleep(due - now)
    producer.produce(topic, struct.pack(">q", time.monotonic_ns()) + pad)
    producer.poll(0)
producer.flush(10)
t.join()
consumer.close()
lat.sort()
def pct(p):
    return lat[min(len(lat) - 1, int(len(lat) * p))] / 1000 if lat else float("nan")
print("  %-34s %d msg/s for %.0f s: received %d of %d; latency p50 %.0f us  p99 %.0f us  "
      "p99.9 %.0f us  max %.0f us" % ("confluent-kafka produce->consume", rate, seconds, len(lat),
                                    total, pct(0.5), pct(0.99), pct(0.999), pct(1.0)))
