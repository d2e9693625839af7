#!/usr/bin/env python3
"""confluent-kafka-python (librdkafka) against a running klog-serve.

Usage: confluent_test.py HOST:PORT

Run with /usr/bin/python3 (Debian's python3-confluent-kafka). Checks, in order:
CreateTopics (or auto-creation by Metadata when CreateTopics is refused),
1000 keyed messages with headers and explicit timestamps over 3 partitions
with acks=all and contiguous offsets in the delivery reports, a manual-assign
consume from the beginning compared field by field, watermarks and
offsets_for_times, one producer per codec (gzip, snappy, lz4, zstd), a 2 MiB
message refused with MSG_SIZE_TOO_LARGE, and long-poll Fetch behaviour.
Topics used: conf-main, conf-z-<codec>, conf-big (created by the caller with
max.message.bytes=1048588), conf-lp. Exits 1 with a message on the first
failure.
"""
import json
import sys
import threading
import time

from confluent_kafka import (OFFSET_BEGINNING, Consumer, KafkaError, Producer,
                             TopicPartition)
from confluent_kafka.admin import AdminClient, NewTopic

ADDR = sys.argv[1]
COMMON = {"bootstrap.servers": ADDR, "socket.timeout.ms": 20000}
N = 1000
PARTITIONS = 3


def log(msg):
    print(f"confluent_test: {msg}", flush=True)


def fail(msg):
    print(f"confluent_test: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def create_topic(name, partitions):
    """CreateTopics; on any error, say so and let produce auto-create it."""
    admin = AdminClient(COMMON)
    futures = admin.create_topics(
        [NewTopic(name, num_partitions=partitions, replication_factor=1)],
        request_timeout=15)
    try:
        futures[name].result(timeout=30)
        log(f"{name}: created with CreateTopics")
        return "CreateTopics"
    except Exception as e:  # pylint: disable=broad-except
        log(f"{name}: CreateTopics failed ({e}); falling back to auto-create")
        return "auto-create"


def produce_all(producer, topic, messages, timeout=30):
    """Produces (key, value, headers, timestamp, partition-or-None) tuples.
    Returns the delivery reports [(index, partition, offset)] in callback
    order; fails on any delivery error."""
    reports, errors = [], []

    def on_delivery(index):
        def cb(err, msg):
            if err is not None:
                errors.append((index, err))
            else:
                reports.append((index, msg.partition(), msg.offset()))
        return cb

    for i, (k, v, h, ts, p) in enumerate(messages):
        kw = {"key": k, "value": v, "on_delivery": on_delivery(i)}
        for name, arg in (("headers", h), ("timestamp", ts), ("partition", p)):
            if arg is not None:
                kw[name] = arg
        producer.produce(topic, **kw)
        producer.poll(0)
    left = producer.flush(timeout)
    check(not errors, f"{topic}: delivery errors, first: message {errors[:1]}")
    check(left == 0, f"{topic}: {left} messages still undelivered after {timeout} s")
    check(len(reports) == len(messages), f"{topic}: {len(reports)} reports for {len(messages)}")
    return reports


def check_offsets(topic, reports):
    """Per partition, the reported offsets are 0, 1, 2, ... in order."""
    per = {}
    for _, p, off in reports:
        per.setdefault(p, []).append(off)
    for p, offs in per.items():
        check(offs == list(range(len(offs))),
              f"{topic} [{p}]: delivery offsets not 0..{len(offs) - 1}: {offs[:10]}...")
    return {p: len(offs) for p, offs in per.items()}


def consume_all(topic, partitions, count, timeout=30):
    """Assigns the partitions from the beginning (no group, no commits) and
    returns {(partition, offset): (key, value, headers, timestamp)}."""
    c = Consumer(dict(COMMON, **{"group.id": "klog-unused", "enable.auto.commit": False,
                                 "auto.offset.reset": "error"}))
    c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    got, deadline = {}, time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        if m.error():
            log(f"{topic}: consumer event: {m.error()}")
            check(m.error().code() != KafkaError._AUTO_OFFSET_RESET,
                  f"{topic}: offset out of range: {m.error()}")
            continue
        key = (m.partition(), m.offset())
        check(key not in got, f"{topic}: offset {key} delivered twice")
        tstype, ts = m.timestamp()
        got[key] = (m.key(), m.value(), m.headers() or [], ts if tstype else None)
    c.close()
    check(len(got) == count, f"{topic}: consumed {len(got)} of {count} in {timeout} s")
    return got


def main_topic():
    topic = "conf-main"
    path = create_topic(topic, PARTITIONS)
    base = int(time.time() * 1000) - 60000
    messages = [(f"key-{i}".encode(), f"value {i} ".encode() * (i % 7 + 1),
                 [("index", str(i).encode()), ("bin", bytes([i % 256, 0, 255]))],
                 base + i, None) for i in range(N)]
    p = Producer(dict(COMMON, **{"acks": "all", "linger.ms": 20,
                                 "partitioner": "murmur2_random"}))
    reports = produce_all(p, topic, messages)
    counts = check_offsets(topic, reports)
    md = p.list_topics(topic, timeout=20).topics[topic]
    check(md.error is None and len(md.partitions) == PARTITIONS,
          f"{topic}: metadata after produce: error {md.error}, {len(md.partitions)} partitions")
    check(len(counts) == PARTITIONS, f"{topic}: messages went to partitions {sorted(counts)} only")
    log(f"{topic} ({path}): {N} delivered, per partition {dict(sorted(counts.items()))}")

    got = consume_all(topic, range(PARTITIONS), N)
    for i, p_, off in reports:
        k, v, h, ts, _ = messages[i]
        want = (k, v, h, ts)
        check(got[(p_, off)] == want, f"{topic} [{p_}] offset {off}: {got[(p_, off)]} != {want}")
    log(f"{topic}: consumed {N}, keys/values/headers/timestamps/offsets match")

    c = Consumer(dict(COMMON, **{"group.id": "klog-unused", "enable.auto.commit": False}))
    for part, n in counts.items():
        wm = c.get_watermark_offsets(TopicPartition(topic, part), timeout=15)
        check(wm == (0, n), f"{topic} [{part}]: watermarks {wm}, want (0, {n})")
    # First offset whose timestamp is >= T, per partition; -1 past the end.
    by_part = {}
    for i, p_, off in reports:
        by_part.setdefault(p_, []).append((messages[i][3], off))
    for t in (base - 5, base + 500, base + 777, base + N + 10000):
        res = c.offsets_for_times([TopicPartition(topic, part, t) for part in counts], timeout=15)
        for tp in res:
            check(tp.error is None, f"offsets_for_times {t} [{tp.partition}]: {tp.error}")
            want = min((o for ts, o in by_part[tp.partition] if ts >= t), default=-1)
            check(tp.offset == want, f"offsets_for_times {t - base:+} [{tp.partition}]: "
                                     f"{tp.offset}, want {want}")
    c.close()
    log(f"{topic}: watermarks and offsets_for_times match")


def codecs():
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = f"conf-z-{codec}"
        base = int(time.time() * 1000)
        messages = [(f"k{i}".encode(), f"{codec} compressible value {i % 10} ".encode() * 20,
                     [("codec", codec.encode())], base + i, 0) for i in range(300)]
        p = Producer(dict(COMMON, **{"acks": "all", "compression.type": codec,
                                     "linger.ms": 50}))
        reports = produce_all(p, topic, messages)
        check_offsets(topic, reports)
        got = consume_all(topic, [0], len(messages))
        for i, _, off in reports:
            k, v, h, ts, _ = messages[i]
            check(got[(0, off)] == (k, v, h, ts), f"{topic} offset {off} differs")
        log(f"{topic}: 300 messages produced with {codec} and read back")


def oversize():
    topic = "conf-big"
    p = Producer(dict(COMMON, **{"acks": "all", "message.max.bytes": 8 << 20,
                                 "message.timeout.ms": 20000}))
    errors = []
    start = time.monotonic()
    p.produce(topic, value=b"x" * (2 << 20), partition=0,
              on_delivery=lambda err, msg: errors.append(err))
    left = p.flush(30)
    check(left == 0 and len(errors) == 1, f"{topic}: 2 MiB message: no delivery report in 30 s")
    err = errors[0]
    check(err is not None, f"{topic}: 2 MiB message accepted though max.message.bytes=1048588")
    check(err.code() == KafkaError.MSG_SIZE_TOO_LARGE,
          f"{topic}: 2 MiB message: {err}, want MSG_SIZE_TOO_LARGE")
    log(f"{topic}: 2 MiB message refused in {time.monotonic() - start:.1f} s: {err.str()}")
    reports = produce_all(p, topic, [(None, b"small", None, None, 0)])
    check(reports[0][2] == 0, f"{topic}: small message after the refused one at {reports[0]}")


def fetch_requests(stats):
    return sum(b.get("req", {}).get("Fetch", 0) for b in stats.get("brokers", {}).values()
               if b.get("nodeid", -1) >= 0)


def long_poll():
    topic = "conf-lp"
    create_topic(topic, PARTITIONS)
    Producer(COMMON).list_topics(topic, timeout=20)  # auto-create if needed
    # 1. An empty partition with fetch.wait.max.ms=500: the broker must answer
    # each Fetch after about 500 ms, so 3 s see a handful of Fetch requests,
    # neither none (the broker holds it forever) nor hundreds (it answers at once).
    stats = []
    c = Consumer(dict(COMMON, **{"group.id": "klog-unused", "enable.auto.commit": False,
                                 "fetch.wait.max.ms": 500, "statistics.interval.ms": 500,
                                 "stats_cb": lambda s: stats.append(json.loads(s))}))
    c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        m = c.poll(0.1)
        check(m is None or m.error(), f"{topic}: message on an empty partition")
    check(stats, f"{topic}: no statistics from librdkafka")
    before = fetch_requests(stats[-1])
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        m = c.poll(0.1)
        check(m is None or m.error(), f"{topic}: message on an empty partition")
    n = fetch_requests(stats[-1]) - before
    check(2 <= n <= 15, f"{topic}: {n} Fetch requests in ~3 s with fetch.wait.max.ms=500")
    log(f"{topic}: {n} Fetch requests in ~3 s on an empty partition (wait 500 ms)")
    c.close()

    # 2. fetch.wait.max.ms=10000: a message produced while the Fetch is parked
    # must arrive long before the 10 s are up.
    stats = []
    c = Consumer(dict(COMMON, **{"group.id": "klog-unused", "enable.auto.commit": False,
                                 "fetch.wait.max.ms": 10000, "socket.timeout.ms": 30000,
                                 "statistics.interval.ms": 100,
                                 "stats_cb": lambda s: stats.append(json.loads(s))}))
    c.assign([TopicPartition(topic, 1, OFFSET_BEGINNING)])
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not (stats and fetch_requests(stats[-1]) >= 1):
        m = c.poll(0.1)
        check(m is None or m.error(), f"{topic} [1]: message on an empty partition")
    check(stats and fetch_requests(stats[-1]) >= 1, f"{topic}: no Fetch sent in 15 s")
    for _ in range(3):  # let the Fetch reach the broker
        c.poll(0.1)
    produced_at = []

    def produce_one():
        p = Producer(dict(COMMON, acks="all"))
        produced_at.append(time.monotonic())
        produce_all(p, topic, [(b"k", b"while you wait", None, None, 1)])

    th = threading.Thread(target=produce_one)
    th.start()
    got, deadline = None, time.monotonic() + 20
    while got is None and time.monotonic() < deadline:
        m = c.poll(0.1)
        if m is not None and not m.error():
            got = m
    received_at = time.monotonic()
    th.join()
    check(got is not None, f"{topic} [1]: message produced during a parked Fetch not received")
    waited = received_at - produced_at[0]
    check(got.value() == b"while you wait" and got.offset() == 0, f"{topic} [1]: {got.value()}")
    check(waited < 5.0, f"{topic} [1]: message arrived {waited:.1f} s after produce "
                        "(the parked Fetch was not woken; wait was 10 s)")
    log(f"{topic}: message produced during a 10 s long-poll arrived after {waited:.2f} s")
    c.close()


def main():
    check(len(sys.argv) == 2, "usage: confluent_test.py HOST:PORT")
    main_topic()
    codecs()
    oversize()
    long_poll()
    log("all checks passed")


if __name__ == "__main__":
    main()
