#!/usr/bin/env python3
"""Consumer groups of kafka-python 2.0.2 against klog-serve.

Usage: groups_kafka_python.py HOST:PORT TOPIC N

TOPIC must hold records "0".."N-1" over 6 partitions. Run with /usr/bin/python3
(Debian's python3-kafka). Checks: a subscribed consumer in a group (JoinGroup
v2, SyncGroup/Heartbeat v1, OffsetCommit v2, OffsetFetch v1) reads about half,
commits and closes; a second one resumes at exactly the committed offsets and
reads the rest; the admin client lists the group, describes it (Empty, no
members), reads its offsets (OffsetFetch v3, null topics = all), refuses to
delete a group that has a member (NON_EMPTY_GROUP), deletes the empty one, and
its offsets are gone. Prints "ok: kafka-python groups" on success.
"""
import sys
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.structs import OffsetAndMetadata

ADDR, TOPIC, N = sys.argv[1], sys.argv[2], int(sys.argv[3])
GROUP = "kp-group"
CONF = dict(bootstrap_servers=ADDR, group_id=GROUP, enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=6000,
            heartbeat_interval_ms=500, max_poll_interval_ms=10000,
            consumer_timeout_ms=1000)


def log(msg):
    print(f"groups_kafka_python: {msg}", flush=True)


def fail(msg):
    print(f"groups_kafka_python: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def consume(c, want, deadline_s):
    """Up to `want` records; returns {partition: next offset}, first offsets, count."""
    nxt, first, count = {}, {}, 0
    deadline = time.time() + deadline_s
    while count < want and time.time() < deadline:
        batch = c.poll(timeout_ms=500, max_records=min(500, want - count))
        for tp, msgs in batch.items():
            for m in msgs:
                first.setdefault(tp.partition, m.offset)
                nxt[tp.partition] = m.offset + 1
                count += 1
    return nxt, first, count


def main():
    half = N // 2
    c = KafkaConsumer(TOPIC, **CONF)
    nxt, _, count = consume(c, half, 60)
    check(count == half, f"first consumer read {count} of {half}")
    c.commit({TopicPartition(TOPIC, p): OffsetAndMetadata(o, "kp") for p, o in nxt.items()})
    for p, o in nxt.items():
        got = c.committed(TopicPartition(TOPIC, p))
        check(got == o, f"partition {p}: committed() {got}, expected {o}")
    c.close()

    admin = KafkaAdminClient(bootstrap_servers=ADDR)
    c2 = KafkaConsumer(TOPIC, **CONF)
    rest, first, count = consume(c2, N - half, 60)
    check(count == N - half, f"second consumer read {count} of {N - half}")
    for p, o in first.items():
        check(o == nxt.get(p, 0), f"partition {p}: resumed at {o}, committed {nxt.get(p, 0)}")
    check(sum(1 for _ in c2) == 0, "records beyond the log end")
    c2.commit()
    groups = [g for g, _ in admin.list_consumer_groups()]
    check(GROUP in groups, f"ListGroups: {groups}")
    res = admin.delete_consumer_groups([GROUP])
    check(res and res[0][1].errno == 68, f"DeleteGroups of a group with a member: {res}")
    c2.close()

    desc = admin.describe_consumer_groups([GROUP])[0]
    check(desc.state == "Empty" and not desc.members, f"DescribeGroups after close: {desc}")
    offsets = admin.list_consumer_group_offsets(GROUP)
    ends = {p: o for p, o in rest.items()}
    for p in range(6):
        want = ends.get(p, nxt.get(p, 0))
        got = offsets.get(TopicPartition(TOPIC, p))
        check(got is not None and got.offset == want, f"partition {p}: offset {got}, want {want}")
    res = admin.delete_consumer_groups([GROUP, "kp-no-such-group"])
    codes = {g: e.errno for g, e in res}
    check(codes == {GROUP: 0, "kp-no-such-group": 69}, f"DeleteGroups: {codes}")
    check(not admin.list_consumer_group_offsets(GROUP), "offsets left after DeleteGroups")
    admin.close()
    log("ok: kafka-python groups")


if __name__ == "__main__":
    main()
