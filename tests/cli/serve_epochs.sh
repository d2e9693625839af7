#!/usr/bin/env bash
# klog-serve's leader-epoch APIs and honest ApiVersions (issue 11), over raw
# sockets and with kcat: ApiVersions lists Produce from v3 to a client that
# is not librdkafka and from v0 to librdkafka (which otherwise stops
# compressing: kcat -z gzip must still store gzip batches); a Produce v2 is
# answered UNSUPPORTED_VERSION on a connection that stays open;
# OffsetForLeaderEpoch v4 (flexible) answers epoch 0's end at the log end,
# and a Fetch v12 whose current_leader_epoch is ahead gets
# UNKNOWN_LEADER_EPOCH. Only 127.0.0.1 is used.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
command -v kcat >/dev/null || fail "kcat is not installed (make deps installs it)"

D=$T/data
"$B/klog-topic" -d "$D" create ep >/dev/null
broker_start -d "$D"

seq 1 500 | timeout 30 kcat -P -b "$ADDR" -t ep -p 0 -z gzip -X debug=msg,protocol,feature \
  2>"$T/kcat.err" || fail "kcat -P -z gzip: $(tail -n 5 "$T/kcat.err")"
grep -q 'not compressing' "$T/kcat.err" && fail "librdkafka did not compress: $(grep 'not compressing' "$T/kcat.err" | head -n 1)"

timeout 60 /usr/bin/python3 - "${ADDR#*:}" <<'PY' || fail "raw-socket checks failed"
import socket, struct, sys

PORT = int(sys.argv[1])
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)

def connect():
    return socket.create_connection(("127.0.0.1", PORT), timeout=5.0)

def request(key, version, corr, body, flexible=False):
    head = struct.pack(">hhih", key, version, corr, 4) + b"test"
    if flexible:
        head += b"\x00"
    msg = head + body
    return struct.pack(">i", len(msg)) + msg

def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf

def recv_frame(s):
    (size,) = struct.unpack(">i", recv_exact(s, 4))
    return recv_exact(s, size)

def cstr(s):  # compact string: uvarint(len + 1) (lengths here are < 127)
    return bytes([len(s) + 1]) + s

def produce_range(name, version):
    """Produce's advertised (min, max) for an ApiVersions v3 from `name`/`version`."""
    with connect() as s:
        s.sendall(request(18, 3, 1, cstr(name) + cstr(version) + b"\x00", flexible=True))
        f = recv_frame(s)
        err, n = struct.unpack(">hB", f[4:7])
        check(err == 0, "ApiVersions error %d" % err)
        pos = 7
        for _ in range(n - 1):
            key, lo, hi = struct.unpack(">hhh", f[pos:pos + 6])
            pos += 7
            if key == 0:
                return lo, hi
    return None

check(produce_range(b"kafka-go", b"0.4.47") == (3, 7), "Produce range for kafka-go")
check(produce_range(b"librdkafka", b"2.0.2") == (0, 7), "Produce range for librdkafka")

# Produce v2 (legacy MessageSet): UNSUPPORTED_VERSION, and the connection lives on.
with connect() as s:
    body = struct.pack(">hii", 1, 1000, 1) + struct.pack(">h", 2) + b"ep"
    body += struct.pack(">iii", 1, 0, 0)  # one partition, index 0, empty records
    s.sendall(request(0, 2, 5, body))
    f = recv_frame(s)
    corr, = struct.unpack(">i", f[:4])
    pos = 4 + 4 + 2 + 2 + 4 + 4  # corr, topics n, name, partitions n, index
    err, = struct.unpack(">h", f[pos:pos + 2])
    check(corr == 5 and err == 35, "Produce v2 answer: corr %d error %d" % (corr, err))
    s.sendall(request(18, 3, 6, cstr(b"x") + cstr(b"1") + b"\x00", flexible=True))
    check(struct.unpack(">i", recv_frame(s)[:4])[0] == 6, "no ApiVersions after Produce v2")

# OffsetForLeaderEpoch v4: epoch 0 (what kcat's batches carry) ends at the log end.
with connect() as s:
    body = struct.pack(">i", -1) + b"\x02" + cstr(b"ep") + b"\x02"
    body += struct.pack(">iii", 0, -1, 0) + b"\x00" + b"\x00" + b"\x00"
    s.sendall(request(23, 4, 9, body, flexible=True))
    f = recv_frame(s)
    corr, tags, throttle, ntopics = struct.unpack(">iBiB", f[:10])
    pos = 10 + 1 + 2  # topic "ep" as a compact string
    nparts = f[pos]
    err, part, epoch, end = struct.unpack(">hiiq", f[pos + 1:pos + 19])
    check((corr, ntopics, nparts) == (9, 2, 2), "OffsetForLeaderEpoch shape %r" % f.hex())
    check((err, part, epoch, end) == (0, 0, 0, 500),
          "OffsetForLeaderEpoch answer %r" % ((err, part, epoch, end),))

# Fetch v12 with current_leader_epoch 1 (ahead of the partition's 0).
with connect() as s:
    body = struct.pack(">iiiibii", -1, 0, 1, 1 << 20, 0, 0, -1)
    body += b"\x02" + cstr(b"ep") + b"\x02"
    body += struct.pack(">iiqiqi", 0, 1, 0, -1, -1, 1 << 20) + b"\x00\x00"
    body += b"\x01" + cstr(b"") + b"\x00"  # no forgotten topics, rack "", tags
    s.sendall(request(1, 12, 11, body, flexible=True))
    f = recv_frame(s)
    corr, = struct.unpack(">i", f[:4])
    pos = 4 + 1 + 4 + 2 + 4 + 1 + 3 + 1  # header, throttle, error, session, topics, "ep", parts
    part, err = struct.unpack(">ih", f[pos:pos + 6])
    check(corr == 11 and part == 0 and err == 75, "Fetch v12 fencing: %r" % f.hex())

if failures:
    sys.exit(1)
PY
broker_stop
"$B/klog-dump" "$D/ep-0" >"$T/dump" || fail "klog-dump ep-0"
grep -qw gzip "$T/dump" || fail "kcat -z gzip stored no gzip batch: $(head -n 3 "$T/dump")"
echo "serve_epochs: ok"
