#!/usr/bin/env python3
"""The group coordinator's edge cases, byte by byte (kwire.py frames).

Usage: groups_wire.py PORT TOPIC [shutdown]
(TOPIC exists with at least 2 partitions)

Checks: FindCoordinator names this broker; a JoinGroup is held until every
known member has rejoined; the leader alone gets every member's metadata and
the protocol chosen is one all support, by votes; a follower's SyncGroup is
held until the leader's assignment arrives; Heartbeat answers NONE, then
REBALANCE_IN_PROGRESS (27) during a rebalance, ILLEGAL_GENERATION (22) and
UNKNOWN_MEMBER_ID (25); a member without a protocol in common gets
INCONSISTENT_GROUP_PROTOCOL (23); a member whose heartbeats stop is removed
after its session timeout, and one that heartbeats but does not rejoin when
the rebalance timeout passes; a static member (group.instance.id) rejoining
without a member id gets its old one; LeaveGroup v3 removes a batch with an
error per member; OffsetCommit checks generation and member, a simple commit
(generation -1) works on an empty group; OffsetFetch of an unknown group is
-1 / NONE, null topics or an empty topic array list all; DescribeGroups shows state and members;
DeleteGroups refuses a non-empty group (68), an unknown one (69).
With "shutdown": a held JoinGroup is answered COORDINATOR_NOT_AVAILABLE (15)
when the broker stops.
Exits 1 on the first failure.
"""
import select
import struct
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
import kwire as k  # noqa: E402

PORT, TOPIC = int(sys.argv[1]), sys.argv[2]


def fail(msg):
    print(f"groups_wire: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def nstring(s):
    return struct.pack(">h", -1) if s is None else k.string(s)


def blob(b):
    return struct.pack(">i", len(b)) + b


def array(items):
    return struct.pack(">i", len(items)) + b"".join(items)


class R(k.Reader):
    def nstring(self):
        n = self.take(">h")
        if n < 0:
            return None
        self.p -= 2
        return self.string()

    def array(self, fn):
        return [fn() for _ in range(self.take(">i"))]


class Member:
    """One connection; requests may be sent now and their answers read later."""

    def __init__(self, client):
        self.c = k.Conn(PORT)
        self.client = client.encode()
        self.corr = 0
        self.id = ""
        self.gen = -1

    def send(self, key, version, body):
        self.corr += 1
        self.c.send(k.frame(key, version, self.corr, body, client=self.client))

    def answered_within(self, seconds):
        return bool(select.select([self.c.s], [], [], seconds)[0])

    def recv(self):
        r = R(self.c.recv())
        check(r.take(">i") == self.corr, "correlation id")
        return r

    def join(self, group, protocols, member_id=None, instance=None, session_ms=6000):
        mid = self.id if member_id is None else member_id
        body = (k.string(group) + struct.pack(">ii", session_ms, 3000) + k.string(mid) +
                nstring(instance) + k.string("consumer") +
                array([k.string(n) + blob(md) for n, md in protocols]))
        self.send(11, 5, body)

    def join_result(self):
        r = self.recv()
        r.take(">i")
        err, gen = r.take(">hi")
        proto, leader, mid = r.string(), r.string(), r.string()
        members = r.array(lambda: (r.string(), r.nstring(), r.bytes()))
        if err == 0:
            self.id, self.gen = mid, gen
        return err, gen, proto, leader, mid, members

    def sync(self, group, assignments=()):
        body = (k.string(group) + struct.pack(">i", self.gen) + k.string(self.id) + nstring(None) +
                array([k.string(m) + blob(a) for m, a in assignments]))
        self.send(14, 3, body)

    def sync_result(self):
        r = self.recv()
        r.take(">i")
        return r.take(">h"), r.bytes()

    def heartbeat(self, group, gen=None, member_id=None):
        body = (k.string(group) + struct.pack(">i", self.gen if gen is None else gen) +
                k.string(self.id if member_id is None else member_id) + nstring(None))
        self.send(12, 3, body)
        r = self.recv()
        r.take(">i")
        return r.take(">h")

    def commit(self, group, offsets, gen=None, member_id=None):
        parts = array([struct.pack(">iq", p, o) + nstring("m") for p, o in offsets])
        body = (k.string(group) + struct.pack(">i", self.gen if gen is None else gen) +
                k.string(self.id if member_id is None else member_id) +
                struct.pack(">q", -1) + array([k.string(TOPIC) + parts]))
        self.send(8, 2, body)
        r = self.recv()
        out = {}
        for _ in range(r.take(">i")):
            r.string()
            for _ in range(r.take(">i")):
                p, e = r.take(">ih")
                out[p] = e
        return out

    def fetch_offsets(self, group, partitions=None, no_topics=False):
        """partitions None: null topics; no_topics: an empty topic array."""
        topics = struct.pack(">i", -1) if partitions is None else array(
            [k.string(TOPIC) + array([struct.pack(">i", p) for p in partitions])])
        if no_topics:
            topics = array([])
        self.send(9, 2, k.string(group) + topics)
        r = self.recv()
        out = {}
        for _ in range(r.take(">i")):
            t = r.string()
            for _ in range(r.take(">i")):
                p, o = r.take(">iq")
                md, e = r.nstring(), r.take(">h")
                out[(t, p)] = (o, md, e)
        check(r.take(">h") == 0, "OffsetFetch top-level error")
        return out


def expect(got, want, what):
    check(got == want, f"{what}: got {got}, want {want}")


def find_coordinator():
    m = Member("fc")
    m.send(10, 0, k.string("g"))
    r = m.recv()
    err, node = r.take(">hi")
    host, port = r.string(), r.take(">i")
    expect((err, node, host, port), (0, 0, "127.0.0.1", PORT), "FindCoordinator v0")


def rebalance(group):
    a, b = Member("a"), Member("b")
    a.join(group, [("range", b"A-range"), ("roundrobin", b"A-rr")])
    err, gen, proto, leader, _, members = a.join_result()
    expect((err, gen, proto, leader == a.id, len(members)), (0, 1, "range", True, 1), "first join")
    a.sync(group, [(a.id, b"assign-a")])
    expect(a.sync_result(), (0, b"assign-a"), "leader sync")
    expect(a.heartbeat(group), 0, "heartbeat when stable")

    # b prefers roundrobin, a range; both support both: a tie broken by the leader.
    b.join(group, [("roundrobin", b"B-rr"), ("range", b"B-range")])
    check(not b.answered_within(0.5), "join of b answered before a rejoined")
    expect(a.heartbeat(group), 27, "heartbeat during rebalance")
    a.join(group, [("range", b"A-range"), ("roundrobin", b"A-rr")])
    ea = a.join_result()
    eb = b.join_result()
    expect((ea[0], eb[0], ea[1], eb[1]), (0, 0, 2, 2), "rejoin: errors and generation")
    expect((ea[2], ea[3]), ("range", a.id), "protocol by votes (tie: leader's choice), leader")
    expect(sorted(md for _, _, md in ea[5]), [b"A-range", b"B-range"], "leader's member list")
    expect(eb[5], [], "a follower gets no member list")
    expect(a.heartbeat(group, gen=1), 22, "heartbeat of an old generation")
    expect(a.heartbeat(group, member_id="nobody"), 25, "heartbeat of an unknown member")

    b.sync(group)
    check(not b.answered_within(0.5), "follower sync answered before the leader's")
    a.sync(group, [(a.id, b"x"), (b.id, b"y")])
    expect((a.sync_result(), b.sync_result()), ((0, b"x"), (0, b"y")), "syncs")

    c = Member("c")
    c.join(group, [("sticky", b"")])
    expect(c.join_result()[0], 23, "join without a common protocol")

    # Offsets: member checks, then a simple commit once the group is empty.
    expect(a.commit(group, [(0, 5)]), {0: 0}, "commit by a member")
    expect(a.commit(group, [(0, 6)], gen=1), {0: 22}, "commit of an old generation")
    expect(c.commit(group, [(0, 7)], gen=-1, member_id=""), {0: 25},
           "simple commit to a group with members")
    expect(a.commit(group, [(99, 1)]), {99: 3}, "commit of an unknown partition")
    expect(a.fetch_offsets(group, [0, 1]), {(TOPIC, 0): (5, "m", 0), (TOPIC, 1): (-1, "", 0)},
           "fetch: committed and uncommitted")
    return a, b


def describe(member, group):
    member.send(15, 0, array([k.string(group)]))
    r = member.recv()
    out = []
    for _ in range(r.take(">i")):
        err, gid, state, ptype, pdata = r.take(">h"), r.string(), r.string(), r.string(), r.string()
        ms = r.array(lambda: (r.string(), r.string(), r.string(), r.bytes(), r.bytes()))
        out.append((err, gid, state, ptype, pdata, ms))
    return out[0]


def delete(member, groups):
    member.send(42, 1, array([k.string(g) for g in groups]))
    r = member.recv()
    r.take(">i")
    return dict(r.array(lambda: (r.string(), r.take(">h"))))


def leave_and_expire(group, a, b):
    d = describe(a, group)
    expect((d[2], d[3], d[4], len(d[5])), ("Stable", "consumer", "range", 2), "describe stable")
    check(all(m[2] == "/127.0.0.1" for m in d[5]), f"client hosts: {d[5]}")
    expect(delete(a, [group, "no-such-group"]), {group: 68, "no-such-group": 69},
           "delete non-empty and unknown")
    # b stops heartbeating: removed after its 6 s session; a is told to rejoin.
    deadline = time.time() + 12
    err = 0
    while time.time() < deadline and err != 27:
        time.sleep(0.5)
        err = a.heartbeat(group)
    expect(err, 27, "heartbeat after b's session expired")
    a.join(group, [("range", b"A-range")])
    ea = a.join_result()
    expect((ea[0], ea[1], len(ea[5])), (0, 3, 1), "generation without b")
    expect(b.heartbeat(group), 25, "expired member")
    a.sync(group, [(a.id, b"")])
    a.sync_result()
    # LeaveGroup v3: a batch with an error per member.
    a.send(13, 3, k.string(group) + array([k.string(a.id) + nstring(None),
                                           k.string("ghost") + nstring(None)]))
    r = a.recv()
    r.take(">i")
    top = r.take(">h")
    res = r.array(lambda: (r.string(), r.nstring(), r.take(">h")))
    expect((top, [e for _, _, e in res]), (0, [0, 25]), "LeaveGroup v3")
    expect(describe(a, group)[2], "Empty", "state after the last member left")
    expect(a.commit(group, [(1, 9)], gen=-1, member_id=""), {1: 0}, "simple commit, empty group")
    expect(set(a.fetch_offsets(group)), {(TOPIC, 0), (TOPIC, 1)}, "fetch all (null topics)")
    expect(set(a.fetch_offsets(group, no_topics=True)), {(TOPIC, 0), (TOPIC, 1)},
           "fetch all (an empty topic array, as librdkafka 2.0 sends it)")
    expect(a.fetch_offsets("never-seen", [0]), {(TOPIC, 0): (-1, "", 0)}, "unknown group")
    expect(delete(a, [group]), {group: 0}, "delete the empty group")
    expect(a.fetch_offsets(group, [0]), {(TOPIC, 0): (-1, "", 0)}, "offsets after delete")


def static_member():
    group = "wire-static"
    s = Member("s")
    s.join(group, [("range", b"")], instance="inst-1")
    first = s.join_result()
    expect(first[0], 0, "static join")
    old = s.id
    s.sync(group, [(old, b"")])
    s.sync_result()
    s2 = Member("s2")
    s2.join(group, [("range", b"")], member_id="", instance="inst-1")
    again = s2.join_result()
    expect((again[0], again[4]), (0, old), "static member rejoins with its member id")


def rebalance_timeout():
    """A member that keeps heartbeating but does not rejoin is dropped when the
    rebalance timeout (3 s here) passes; the held join then completes."""
    group = "wire-rebalance-timeout"
    a, b = Member("a"), Member("b")
    a.join(group, [("range", b"")])
    a.join_result()
    a.sync(group, [(a.id, b"")])
    a.sync_result()
    t0 = time.time()
    b.join(group, [("range", b"")])
    while not b.answered_within(0.5):
        expect(a.heartbeat(group), 27, "heartbeat of a member that does not rejoin")
        check(time.time() - t0 < 8, "held join not completed after the rebalance timeout")
    waited = time.time() - t0
    err, gen, _, leader, _, members = b.join_result()
    expect((err, gen, leader, len(members)), (0, 2, b.id, 1), "join after the rebalance timeout")
    check(waited > 2.5, f"join completed after {waited:.1f} s, before the 3 s timeout")
    expect(a.heartbeat(group), 25, "heartbeat of the dropped member")


def held_at_shutdown():
    """Holds a JoinGroup, says so, and expects COORDINATOR_NOT_AVAILABLE once the
    broker is told to stop (the caller sends SIGTERM)."""
    group = "wire-shutdown"
    a, b = Member("a"), Member("b")
    a.join(group, [("range", b"")])
    a.join_result()
    b.join(group, [("range", b"")])
    check(not b.answered_within(0.3), "join answered at once")
    print("held", flush=True)
    check(b.answered_within(10), "held join not answered at shutdown")
    expect(b.join_result()[0], 15, "held join at shutdown")
    print("groups_wire: ok", flush=True)


def main():
    if len(sys.argv) > 3 and sys.argv[3] == "shutdown":
        return held_at_shutdown()
    find_coordinator()
    a, b = rebalance("wire-g")
    leave_and_expire("wire-g", a, b)
    static_member()
    rebalance_timeout()
    print("groups_wire: ok", flush=True)


if __name__ == "__main__":
    main()
