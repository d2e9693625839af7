#!/usr/bin/env python3
"""Steps of tests/cli/serve_internal_topics.sh: __consumer_offsets damaged on
disk and attacked by clients.

Usage: internal_topics.py STEP ARGS...
  commit HOST:PORT          group "g" commits t-0..t-3 = 10, 11, 12, 13 (kafka-python)
  damage PARTITION_DIR      appends to the active segment of __consumer_offsets-0,
                            with the broker stopped: one batch holding a record
                            whose value does not decode (g, t-1) and a good one
                            (g, t-2 = 22), then a torn tail (the first 40 bytes
                            of another batch). Prints "POS OFFSET" of the bad record.
  fetch HOST:PORT           the group's offsets must be t-0..t-3 = 10, 11, 22, 13
  admin HOST:PORT           DeleteTopics, CreatePartitions, AlterConfigs,
                            IncrementalAlterConfigs and DeleteRecords of
                            __consumer_offsets are refused with
                            INVALID_TOPIC_EXCEPTION (17), CreateTopics of it
                            with INVALID_REQUEST (42), all byte by byte; the
                            kafka-python admin client gets the same errors.
  metrics HOST:PORT SKIPPED DROPPED
                            the two offsets-load counters have these values

Run with /usr/bin/python3 (Debian's python3-kafka 2.0.2). Exits 1 with a
message on the first failure.
"""
import os
import struct
import sys
import urllib.request

import kwire

OFFSETS = "__consumer_offsets"
INVALID_TOPIC_EXCEPTION = 17
INVALID_REQUEST = 42


def fail(msg):
    print(f"internal_topics: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def offset_key(group, topic, partition):
    return struct.pack(">h", 1) + kwire.string(group) + kwire.string(topic) + \
        struct.pack(">i", partition)


def offset_value(offset):
    return struct.pack(">hqi", 3, offset, -1) + kwire.string("") + struct.pack(">q", 1)


def commit(addr):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata
    c = KafkaConsumer(bootstrap_servers=addr, group_id="g", enable_auto_commit=False)
    c.commit({TopicPartition("t", p): OffsetAndMetadata(10 + p, "") for p in range(4)})
    c.close()


def last_offset(segment):
    """The last offset of the last whole batch in `segment`, -1 if none."""
    data = open(segment, "rb").read()
    pos, last = 0, -1
    while pos + 61 <= len(data):
        base, length = struct.unpack_from(">qi", data, pos)
        (delta,) = struct.unpack_from(">i", data, pos + 23)
        last = base + delta
        pos += 12 + length
    return last


def with_base(batch, base):
    return struct.pack(">q", base) + batch[8:]


def damage(part_dir):
    segments = sorted(f for f in os.listdir(part_dir) if f.endswith(".log"))
    check(segments, f"no segment in {part_dir}")
    segment = os.path.join(part_dir, segments[-1])
    base = last_offset(segment) + 1
    check(base > 0, f"{segment}: no committed offsets to damage")
    bad = kwire.batch([b"\x00\x03\x00", offset_value(22)],
                      keys=[offset_key("g", "t", 1), offset_key("g", "t", 2)])
    torn = kwire.batch([offset_value(99)], keys=[offset_key("g", "t", 3)])
    pos = os.path.getsize(segment)
    with open(segment, "ab") as f:
        f.write(with_base(bad, base))
        f.write(with_base(torn, base + 2)[:40])
    print(pos, base)


def fetch(addr):
    from kafka.admin import KafkaAdminClient
    admin = KafkaAdminClient(bootstrap_servers=addr, request_timeout_ms=20000)
    got = {tp.partition: om.offset
           for tp, om in admin.list_consumer_group_offsets("g").items() if tp.topic == "t"}
    admin.close()
    check(got == {0: 10, 1: 11, 2: 22, 3: 13}, f"offsets of group g: {got}")


def call(conn, key, version, body):
    data = conn.call(kwire.frame(key, version, 7, body))
    r = kwire.Reader(data)
    corr = r.take(">i")
    check(corr == 7, f"api {key}: correlation id {corr}")
    return r


def nullable_string(r):
    n = r.take(">h")
    return None if n < 0 else r.take(f">{n}s").decode()


def admin_wire(port):
    conn = kwire.Conn(port)
    name = kwire.string(OFFSETS)
    # DeleteTopics v1: [name], timeout -> throttle, [name, error]
    r = call(conn, 20, 1, struct.pack(">i", 1) + name + struct.pack(">i", 10000))
    r.take(">i")
    check(r.take(">i") == 1, "DeleteTopics: one result")
    check(r.string() == OFFSETS, "DeleteTopics: topic name")
    got = r.take(">h")
    check(got == INVALID_TOPIC_EXCEPTION, f"DeleteTopics: error {got}")
    # CreatePartitions v0: [name, count, assignments(null)], timeout, validate_only
    r = call(conn, 37, 0, struct.pack(">i", 1) + name + struct.pack(">ii", 5, -1) +
             struct.pack(">ib", 10000, 0))
    r.take(">i")
    check(r.take(">i") == 1, "CreatePartitions: one result")
    check(r.string() == OFFSETS, "CreatePartitions: topic name")
    got = r.take(">h")
    check(got == INVALID_TOPIC_EXCEPTION, f"CreatePartitions: error {got}")
    msg = nullable_string(r)
    check(msg and "internal topic" in msg, f"CreatePartitions: message {msg!r}")
    # AlterConfigs v0: [type, name, [key, value]], validate_only
    r = call(conn, 33, 0, struct.pack(">ib", 1, 2) + name + struct.pack(">i", 1) +
             kwire.string("cleanup.policy") + kwire.string("delete") + b"\x00")
    r.take(">i")
    check(r.take(">i") == 1, "AlterConfigs: one result")
    got = r.take(">h")
    check(got == INVALID_TOPIC_EXCEPTION, f"AlterConfigs: error {got}")
    # IncrementalAlterConfigs v0: [type, name, [key, op, value]], validate_only
    r = call(conn, 44, 0, struct.pack(">ib", 1, 2) + name + struct.pack(">i", 1) +
             kwire.string("retention.ms") + b"\x00" + kwire.string("1000") + b"\x00")
    r.take(">i")
    check(r.take(">i") == 1, "IncrementalAlterConfigs: one result")
    got = r.take(">h")
    check(got == INVALID_TOPIC_EXCEPTION, f"IncrementalAlterConfigs: error {got}")
    # DeleteRecords v0: [name, [partition, offset]], timeout
    r = call(conn, 21, 0, struct.pack(">i", 1) + name + struct.pack(">iiq", 1, 0, -1) +
             struct.pack(">i", 10000))
    r.take(">i")
    check(r.take(">i") == 1 and r.string() == OFFSETS, "DeleteRecords: topic")
    check(r.take(">i") == 1, "DeleteRecords: one partition")
    part, low, got = r.take(">iqh")
    check(part == 0 and got == INVALID_TOPIC_EXCEPTION, f"DeleteRecords: error {got}")
    # CreateTopics v0: [name, partitions, replication, [assignment], [config]], timeout
    r = call(conn, 19, 0, struct.pack(">i", 1) + name + struct.pack(">ihii", 3, 1, 0, 0) +
             struct.pack(">i", 10000))
    check(r.take(">i") == 1 and r.string() == OFFSETS, "CreateTopics: topic")
    got = r.take(">h")
    check(got == INVALID_REQUEST, f"CreateTopics: error {got}")
    conn.close()


def admin(addr):
    admin_wire(int(addr.rsplit(":", 1)[1]))
    from kafka.admin import KafkaAdminClient, NewPartitions
    import kafka.errors as KE
    a = KafkaAdminClient(bootstrap_servers=addr, request_timeout_ms=20000)
    for what, fn in (("delete_topics", lambda: a.delete_topics([OFFSETS])),
                     ("create_partitions",
                      lambda: a.create_partitions({OFFSETS: NewPartitions(4)}))):
        try:
            result = fn()
        except KE.InvalidTopicError:
            continue
        codes = [e[1] for e in getattr(result, "topic_error_codes", [])] + \
            [e[1] for e in getattr(result, "topic_errors", [])]
        check(codes == [INVALID_TOPIC_EXCEPTION], f"kafka-python {what}: {result}")
    a.close()


def metrics(addr, skipped, dropped):
    text = urllib.request.urlopen(f"http://{addr}/metrics", timeout=10).read().decode()
    values = dict(line.split(" ", 1) for line in text.splitlines()
                  if line and not line.startswith("#"))
    for name, want in (("klog_offset_records_skipped_total", skipped),
                       ("klog_offset_bytes_dropped_total", dropped)):
        check(values.get(name) == want, f"{name} is {values.get(name)}, expected {want}")


def main():
    step, args = sys.argv[1], sys.argv[2:]
    {"commit": commit, "damage": damage, "fetch": fetch, "admin": admin,
     "metrics": metrics}[step](*args)
    print(f"ok: {step}", file=sys.stderr)


if __name__ == "__main__":
    main()
