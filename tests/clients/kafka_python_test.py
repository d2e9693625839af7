#!/usr/bin/env python3
"""kafka-python 2.0.2 (pure Python) against a running klog-serve.

Usage: kafka_python_test.py HOST:PORT

Run with /usr/bin/python3 (Debian's python3-kafka; snappy and lz4 need
python3-snappy and python3-lz4). Checks, in order: CreateTopics through
KafkaAdminClient (or auto-creation when it is refused), 1000 keyed messages
with headers and explicit timestamps over 3 partitions with acks=all and
contiguous offsets in the send futures, a manual assign + seek_to_beginning
consume (group_id=None) compared field by field, beginning/end offsets and
offsets_for_times, one producer per codec (gzip, snappy, lz4), a 2 MiB message
refused with MessageSizeTooLargeError, and long-poll Fetch behaviour. Topics
used: kp-main, kp-z-<codec>, kp-big (created by the caller with
max.message.bytes=1048588), kp-lp. Exits 1 with a message on the first
failure.
"""
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import MessageSizeTooLargeError

ADDR = sys.argv[1] if len(sys.argv) > 1 else ""
N = 1000
PARTITIONS = 3
PRODUCER = {"bootstrap_servers": ADDR, "acks": "all", "linger_ms": 20,
            "request_timeout_ms": 20000, "max_block_ms": 20000}


def log(msg):
    print(f"kafka_python_test: {msg}", flush=True)


def fail(msg):
    print(f"kafka_python_test: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def create_topic(name, partitions):
    """CreateTopics; on any error, say so and let produce auto-create it."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=ADDR, request_timeout_ms=20000)
        try:
            resp = admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=15000)
            errors = [e for t in resp.topic_errors for e in t[1:2] if e != 0]
            check(not errors, f"CreateTopics {name}: error codes {resp.topic_errors}")
        finally:
            admin.close()
        log(f"{name}: created with CreateTopics")
        return "CreateTopics"
    except Exception as e:  # pylint: disable=broad-except
        log(f"{name}: CreateTopics failed ({type(e).__name__}: {e}); falling back to auto-create")
        return "auto-create"


def produce_all(producer, topic, messages, timeout=30):
    """Sends (key, value, headers, timestamp, partition-or-None) tuples and
    returns [(index, partition, offset)] in send order."""
    futures = [producer.send(topic, key=k, value=v, headers=h, timestamp_ms=ts, partition=p)
               for k, v, h, ts, p in messages]
    producer.flush(timeout)
    out = []
    for i, f in enumerate(futures):
        try:
            md = f.get(timeout=timeout)
        except Exception as e:  # pylint: disable=broad-except
            fail(f"{topic}: message {i}: {type(e).__name__}: {e}")
        out.append((i, md.partition, md.offset))
    return out


def check_offsets(topic, reports):
    per = {}
    for _, p, off in reports:
        per.setdefault(p, []).append(off)
    for p, offs in per.items():
        check(offs == list(range(len(offs))),
              f"{topic} [{p}]: offsets in send order not 0..{len(offs) - 1}: {offs[:10]}...")
    return {p: len(offs) for p, offs in per.items()}


def consumer(**kw):
    return KafkaConsumer(bootstrap_servers=ADDR, group_id=None, enable_auto_commit=False,
                         auto_offset_reset="none", request_timeout_ms=30000, **kw)


def consume_all(topic, partitions, count, timeout=30):
    """Returns {(partition, offset): (key, value, headers, timestamp)}."""
    c = consumer(fetch_max_wait_ms=100)
    c.assign([TopicPartition(topic, p) for p in partitions])
    c.seek_to_beginning()
    got, deadline = {}, time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        for records in c.poll(timeout_ms=500).values():
            for r in records:
                key = (r.partition, r.offset)
                check(key not in got, f"{topic}: offset {key} delivered twice")
                check(r.timestamp_type == 0, f"{topic} {key}: timestamp type {r.timestamp_type}")
                got[key] = (r.key, r.value, list(r.headers), r.timestamp)
    c.close()
    check(len(got) == count, f"{topic}: consumed {len(got)} of {count} in {timeout} s")
    return got


def main_topic():
    topic = "kp-main"
    path = create_topic(topic, PARTITIONS)
    base = int(time.time() * 1000) - 60000
    messages = [(f"key-{i}".encode(), f"value {i} ".encode() * (i % 7 + 1),
                 [("index", str(i).encode()), ("bin", bytes([i % 256, 0, 255]))],
                 base + i, None) for i in range(N)]
    p = KafkaProducer(**PRODUCER)
    reports = produce_all(p, topic, messages)
    counts = check_offsets(topic, reports)
    parts = p.partitions_for(topic)
    check(parts == set(range(PARTITIONS)), f"{topic}: partitions {parts}")
    check(len(counts) == PARTITIONS, f"{topic}: messages went to partitions {sorted(counts)} only")
    p.close()
    log(f"{topic} ({path}): {N} sent, per partition {dict(sorted(counts.items()))}")

    got = consume_all(topic, range(PARTITIONS), N)
    for i, p_, off in reports:
        k, v, h, ts, _ = messages[i]
        check(got[(p_, off)] == (k, v, h, ts),
              f"{topic} [{p_}] offset {off}: {got[(p_, off)]} != {(k, v, h, ts)}")
    log(f"{topic}: consumed {N}, keys/values/headers/timestamps/offsets match")

    c = consumer()
    tps = [TopicPartition(topic, part) for part in counts]
    check(c.beginning_offsets(tps) == {tp: 0 for tp in tps},
          f"{topic}: beginning_offsets {c.beginning_offsets(tps)}")
    check(c.end_offsets(tps) == {TopicPartition(topic, q): n for q, n in counts.items()},
          f"{topic}: end_offsets {c.end_offsets(tps)}, want {counts}")
    by_part = {}
    for i, p_, off in reports:
        by_part.setdefault(p_, []).append((messages[i][3], off))
    for t in (base - 5, base + 500, base + 777, base + N + 10000):
        res = c.offsets_for_times({tp: t for tp in tps})
        for tp in tps:
            hits = [(ts, o) for ts, o in by_part[tp.partition] if ts >= t]
            want = (min(hits)[1], min(hits)[0]) if hits else None
            got_ot = res[tp] and (res[tp].offset, res[tp].timestamp)
            check(got_ot == want, f"offsets_for_times {t - base:+} [{tp.partition}]: "
                                  f"{got_ot}, want (offset, timestamp) {want}")
    c.close()
    log(f"{topic}: beginning/end offsets and offsets_for_times match")


def codecs():
    for codec in ("gzip", "snappy", "lz4"):
        topic = f"kp-z-{codec}"
        base = int(time.time() * 1000)
        messages = [(f"k{i}".encode(), f"{codec} compressible value {i % 10} ".encode() * 20,
                     [("codec", codec.encode())], base + i, 0) for i in range(300)]
        p = KafkaProducer(compression_type=codec, **PRODUCER)
        reports = produce_all(p, topic, messages)
        p.close()
        check_offsets(topic, reports)
        got = consume_all(topic, [0], len(messages))
        for i, _, off in reports:
            k, v, h, ts, _ = messages[i]
            check(got[(0, off)] == (k, v, h, ts), f"{topic} offset {off} differs")
        log(f"{topic}: 300 messages produced with {codec} and read back")


def oversize():
    topic = "kp-big"
    p = KafkaProducer(**dict(PRODUCER, max_request_size=8 << 20))
    start = time.monotonic()
    f = p.send(topic, value=b"x" * (2 << 20), partition=0)
    try:
        md = f.get(timeout=30)
        fail(f"{topic}: 2 MiB message accepted at offset {md.offset} "
             "though max.message.bytes=1048588")
    except MessageSizeTooLargeError as e:
        log(f"{topic}: 2 MiB message refused in {time.monotonic() - start:.1f} s: {e}")
    except Exception as e:  # pylint: disable=broad-except
        fail(f"{topic}: 2 MiB message: {type(e).__name__}: {e}, want MessageSizeTooLargeError")
    reports = produce_all(p, topic, [(None, b"small", None, None, 0)])
    check(reports[0][2] == 0, f"{topic}: small message after the refused one at {reports[0]}")
    p.close()


def long_poll():
    topic = "kp-lp"
    create_topic(topic, PARTITIONS)
    # 1. fetch_max_wait_ms=500 on an empty partition: each Fetch is held about
    # 500 ms (not answered at once, not held forever).
    c = consumer(fetch_max_wait_ms=500)
    c.assign([TopicPartition(topic, 0)])
    c.seek_to_beginning()
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        check(not c.poll(timeout_ms=200), f"{topic}: records on an empty partition")
    m = c.metrics()["consumer-fetch-manager-metrics"]
    avg, mx, rate = m["fetch-latency-avg"], m["fetch-latency-max"], m["fetch-rate"]
    check(rate > 0, f"{topic}: no Fetch completed in 3 s (fetch-rate {rate})")
    check(300 <= avg and mx <= 3000, f"{topic}: Fetch latency avg {avg:.0f} ms, max {mx:.0f} ms "
                                     "with fetch_max_wait_ms=500 on an empty partition")
    log(f"{topic}: empty-partition Fetch latency avg {avg:.0f} ms, max {mx:.0f} ms (wait 500 ms)")
    c.close()

    # 2. fetch_max_wait_ms=10000: a message produced while the Fetch is parked
    # must arrive long before the 10 s are up.
    c = consumer(fetch_max_wait_ms=10000)
    c.assign([TopicPartition(topic, 1)])
    c.seek_to_beginning()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # the offset reset, then a Fetch parked
        check(not c.poll(timeout_ms=100), f"{topic} [1]: records on an empty partition")
    produced_at = []

    def produce_one():
        p = KafkaProducer(**PRODUCER)
        produced_at.append(time.monotonic())
        produce_all(p, topic, [(b"k", b"while you wait", None, None, 1)])
        p.close()

    th = threading.Thread(target=produce_one)
    th.start()
    got, deadline = [], time.monotonic() + 20
    while not got and time.monotonic() < deadline:
        for records in c.poll(timeout_ms=100).values():
            got.extend(records)
    received_at = time.monotonic()
    th.join()
    check(got, f"{topic} [1]: message produced during a parked Fetch not received in 20 s")
    waited = received_at - produced_at[0]
    check(got[0].value == b"while you wait" and got[0].offset == 0, f"{topic} [1]: {got[0]}")
    check(waited < 5.0, f"{topic} [1]: message arrived {waited:.1f} s after produce "
                        "(the parked Fetch was not woken; wait was 10 s)")
    log(f"{topic}: message produced during a 10 s long-poll arrived after {waited:.2f} s")
    c.close()


def main():
    check(len(sys.argv) == 2, "usage: kafka_python_test.py HOST:PORT")
    main_topic()
    codecs()
    oversize()
    long_poll()
    log("all checks passed")


if __name__ == "__main__":
    main()
