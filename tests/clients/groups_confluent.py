#!/usr/bin/env python3
"""Consumer groups of confluent-kafka-python (librdkafka) against klog-serve.

Usage: groups_confluent.py HOST:PORT STEP [ARGS...]

Run with /usr/bin/python3 (Debian's python3-confluent-kafka). Steps:
  produce TOPIC N          create TOPIC (6 partitions), produce N records "0".."N-1"
  members TOPIC N DIR      3 member processes in one group; one leaves cleanly
                           (close()), one is SIGKILLed; every record must be
                           consumed (duplicates are reported, not failures) and
                           the committed offsets must equal the log end
  resume1 TOPIC N GROUP F  consume N/2 records, commit exactly them, close;
                           the committed offsets go to file F
  resume2 TOPIC N GROUP F  a new consumer resumes at exactly the offsets in F
                           and reads the other half, nothing more
  twogroups TOPIC N        two groups each receive every record
  member ...               (internal) one member process of `members`
Exits 1 with a message on the first failure; prints "ok: STEP" on success.
"""
import json
import os
import signal
import subprocess
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ADDR = sys.argv[1]
PARTITIONS = 6
# Short timeouts so a killed member is evicted in seconds.
GROUP_CONF = {
    "bootstrap.servers": ADDR,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 500,
    "max.poll.interval.ms": 10000,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "socket.timeout.ms": 20000,
}


def log(msg):
    print(f"groups_confluent: {msg}", flush=True)


def fail(msg):
    print(f"groups_confluent: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def produce(topic, n):
    admin = AdminClient({"bootstrap.servers": ADDR})
    fut = admin.create_topics([NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)])
    fut[topic].result(timeout=30)
    p = Producer({"bootstrap.servers": ADDR, "linger.ms": 5, "acks": "all"})
    errors = []
    for i in range(n):
        p.produce(topic, value=str(i).encode(), key=str(i).encode(),
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
        if i % 1000 == 0:
            p.poll(0)
    check(p.flush(60) == 0, "produce: records left unflushed")
    check(not errors, f"produce: {errors[:3]}")


def log_end(topic):
    c = Consumer({"bootstrap.servers": ADDR, "group.id": "watermarks"})
    ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in range(PARTITIONS)}
    c.close()
    return ends


def committed(topic, group):
    c = Consumer({**GROUP_CONF, "group.id": group})
    tps = c.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=20)
    c.close()
    return {tp.partition: tp.offset for tp in tps}


def member(topic, group, out_path, mode):
    """Consumes and commits after writing; mode "leave:N" closes after N records."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    c = Consumer({**GROUP_CONF, "group.id": group, "client.id": os.path.basename(out_path)})
    c.subscribe([topic])
    n = 0
    with open(out_path, "w") as out:
        while not stop:
            msgs = c.consume(num_messages=100, timeout=0.5)
            good = [m for m in msgs if m.error() is None]
            for m in good:
                out.write(f"{m.partition()} {m.offset()} {m.value().decode()}\n")
            out.flush()
            if good:
                try:
                    c.commit(asynchronous=False)
                except KafkaException as e:  # a rebalance took the partitions: redelivered
                    print(f"member {out_path}: commit: {e}", file=sys.stderr, flush=True)
                n += len(good)
            if mode.startswith("leave:") and n >= int(mode[6:]):
                break
            time.sleep(0.05)  # about 2000 records/s, so the group changes mid-stream
    c.close()  # LeaveGroup


def read_consumed(paths):
    seen, total = set(), 0
    for p in paths:
        if not os.path.exists(p):
            continue
        with open(p) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    seen.add((int(parts[0]), int(parts[1]), parts[2]))
                    total += 1
    return seen, total


def members(topic, n, workdir):
    group = "g-members"
    paths = [os.path.join(workdir, f"member{i}") for i in range(3)]
    modes = ["leave:4000", "stay", "stay"]
    procs = [subprocess.Popen([sys.executable, __file__, ADDR, "member", topic, group, p, m])
             for p, m in zip(paths, modes)]
    try:
        watch(procs, paths, n)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    seen, total = read_consumed(paths)
    values = {v for (_, _, v) in seen}
    missing = n - len(values & {str(i) for i in range(n)})
    check(missing == 0, f"{missing} of {n} records never consumed")
    log(f"all {n} records consumed; {total - len(seen)} duplicate deliveries")
    ends, got = log_end(topic), committed(topic, group)
    check(got == ends, f"committed offsets {got} != log end {ends}")


def watch(procs, paths, n):
    """Kills member 1 mid-stream, waits until every record was seen, stops the rest."""
    killed = False
    deadline = time.time() + 90
    seen = set()
    while time.time() < deadline:
        time.sleep(0.2)
        seen, total = read_consumed(paths)
        if not killed and total >= 8000:
            procs[1].kill()
            killed = True
            log(f"SIGKILLed member 1 after {total} records consumed in all")
        if killed and len(seen) >= n:
            break
    check(killed, "the group consumed too slowly to kill a member mid-stream")
    check(procs[0].wait(timeout=30) == 0, "member 0 (close()) failed")
    procs[2].send_signal(signal.SIGTERM)
    check(procs[2].wait(timeout=30) == 0, "member 2 failed")


def resume1(topic, n, group, state):
    c = Consumer({**GROUP_CONF, "group.id": group})
    c.subscribe([topic])
    want, count, nxt = n // 2, 0, {}
    deadline = time.time() + 60
    while count < want and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error() is not None:
            continue
        nxt[m.partition()] = m.offset() + 1
        count += 1
    check(count == want, f"resume1: consumed {count} of {want}")
    c.commit(offsets=[TopicPartition(topic, p, o) for p, o in nxt.items()], asynchronous=False)
    c.close()
    got = committed(topic, group)
    for p, o in nxt.items():
        check(got[p] == o, f"resume1: partition {p} committed {got[p]}, expected {o}")
    with open(state, "w") as f:
        json.dump({"next": nxt, "count": count}, f)


def resume2(topic, n, group, state):
    with open(state) as f:
        st = json.load(f)
    nxt = {int(p): o for p, o in st["next"].items()}
    got = committed(topic, group)
    for p, o in nxt.items():
        check(got[p] == o, f"resume2: partition {p} committed {got[p]} after restart, wrote {o}")
    c = Consumer({**GROUP_CONF, "group.id": group})
    c.subscribe([topic])
    first, count = {}, 0
    want = n - st["count"]
    deadline = time.time() + 60
    while count < want and time.time() < deadline:
        m = c.poll(0.5)
        if m is None or m.error() is not None:
            continue
        first.setdefault(m.partition(), m.offset())
        count += 1
    extra = c.consume(num_messages=10, timeout=1.0)
    c.close()
    check(count == want and not extra, f"resume2: read {count}+{len(extra)}, expected {want}")
    for p, o in first.items():
        check(o == nxt.get(p, 0), f"resume2: partition {p} resumed at {o}, committed {nxt.get(p)}")


def twogroups(topic, n):
    consumers = [Consumer({**GROUP_CONF, "group.id": g}) for g in ("g-two-a", "g-two-b")]
    seen = [set(), set()]
    for c in consumers:
        c.subscribe([topic])
    deadline = time.time() + 60
    while time.time() < deadline and min(len(s) for s in seen) < n:
        for c, s in zip(consumers, seen):
            for m in c.consume(num_messages=1000, timeout=0.2):
                if m.error() is None:
                    s.add(m.value().decode())
    for c in consumers:
        c.close()
    for g, s in zip("ab", seen):
        check(len(s) == n, f"group {g} received {len(s)} of {n} distinct records")


def main():
    step, args = sys.argv[2], sys.argv[3:]
    if step == "member":
        return member(*args)
    topic, n = args[0], int(args[1])
    if step == "produce":
        produce(topic, n)
    elif step == "members":
        members(topic, n, args[2])
    elif step == "resume1":
        resume1(topic, n, args[2], args[3])
    elif step == "resume2":
        resume2(topic, n, args[2], args[3])
    elif step == "twogroups":
        twogroups(topic, n)
    else:
        fail(f"unknown step {step}")
    log(f"ok: {step}")


if __name__ == "__main__":
    main()
