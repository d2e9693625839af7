#!/usr/bin/env bash
# klog-serve against hostile and careless clients, with raw sockets: each bad
# connection (negative or 2 GiB frame size, unknown API key, unsupported
# version, garbage, a malformed header or body, a request cut short by a
# close) is closed or answered with an error, and after each one a fresh
# client's ApiVersions still works. A too-new ApiVersions gets the v0
# UNSUPPORTED_VERSION body; pipelined requests are answered in order; a
# client that sends without reading is paused, not buffered without bound,
# and closed when idle; --max-connections is enforced. Only 127.0.0.1 is used.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

"$B/klog-topic" -d "$T/data" create orders --partitions 2
broker_start -d "$T/data" --idle-timeout-ms 3000 --max-connections 20 \
  --max-request-bytes 1048576 --log-level debug

timeout 120 /usr/bin/python3 - "${ADDR#*:}" "$T/log" "$PID" <<'PY' || fail "raw-socket checks failed"
import os, socket, struct, sys, time

PORT = int(sys.argv[1])
LOG = sys.argv[2]
BROKER_PID = int(sys.argv[3])
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)

def connect(timeout=5.0):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

def request(key, version, corr, body=b"", flexible=False, client=b"test"):
    head = struct.pack(">hhih", key, version, corr, len(client)) + client
    if flexible:
        head += b"\x00"
    msg = head + body
    return struct.pack(">i", len(msg)) + msg

def api_versions_v3(corr):
    body = b"\x05test\x040.1\x00"  # compact strings "test", "0.1"; no tagged fields
    return request(18, 3, corr, body, flexible=True)

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

def closed_by_broker(s, timeout=5.0):
    """True if the broker closes the connection (EOF or reset) without sending data."""
    s.settimeout(timeout)
    try:
        data = s.recv(65536)
        return data == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

def healthy(label):
    """A fresh client's ApiVersions v3 is answered with error 0 and keys 3 and 18."""
    try:
        s = connect()
        s.sendall(api_versions_v3(41))
        f = recv_frame(s)
        s.close()
    except Exception as e:
        check(False, "after %s: fresh ApiVersions failed: %r" % (label, e))
        return
    corr, err = struct.unpack(">ih", f[:6])
    n = f[6] - 1
    keys = [struct.unpack(">hhh", f[7 + 7 * i:13 + 7 * i]) for i in range(n)]
    check(corr == 41 and err == 0, "after %s: ApiVersions corr %d err %d" % (label, corr, err))
    check((18, 0, 3) in keys and any(k[0] == 3 for k in keys),
          "after %s: ApiVersions keys %r" % (label, keys))

healthy("start")

# Frames the broker must refuse by closing the connection.
bad_frames = {
    "negative frame length": struct.pack(">i", -1) + b"x" * 16,
    "2 GiB frame length": struct.pack(">I", 0x80000000) + b"x" * 16,
    "2 GiB - 1 frame length": struct.pack(">i", 0x7FFFFFFF) + b"x" * 16,
    "frame over --max-request-bytes": struct.pack(">i", 1048577) + b"x" * 16,
    "frame shorter than a header": struct.pack(">i", 3) + b"abc",
    "unknown API key": request(999, 0, 1),
    "negative API key": request(-5, 0, 1),
    "Produce body with trailing bytes": request(0, 3, 1, b"\x00" * 32),
    "unsupported Metadata version": request(3, 99, 1, struct.pack(">i", -1)),
    "garbage bytes": bytes([0, 0, 0, 32]) + bytes([0xAB]) * 32,
    "client id past the frame": struct.pack(">ihhih", 10, 18, 0, 1, 500),
    "Metadata body with a huge topic count": request(3, 1, 1, struct.pack(">i", 100000)),
    "Metadata body cut inside a name": request(3, 1, 1, struct.pack(">ih", 1, 40) + b"abc"),
}
for label, data in bad_frames.items():
    s = connect()
    s.sendall(data)
    check(closed_by_broker(s), label + ": connection not closed")
    s.close()
    healthy(label)

# A request cut short by the client closing.
s = connect()
s.sendall(struct.pack(">i", 100) + b"\x00\x12\x00\x00")
s.close()
time.sleep(0.2)
healthy("truncated request then close")

# ApiVersions in a version above 3: the v0 error body, connection kept open.
s = connect()
s.sendall(request(18, 9, 7, b"\x05test\x040.1\x00", flexible=True))
f = recv_frame(s)
check(f == bytes.fromhex("00000007" "0023" "00000001" "0012" "0000" "0003"),
      "ApiVersions v9 answer is %s" % f.hex())
s.sendall(request(18, 0, 8))
f = recv_frame(s)
check(f[:6] == bytes.fromhex("00000008" "0000"), "ApiVersions v0 after v9: %s" % f[:6].hex())
s.close()

# Metadata: an invalid topic name is INVALID_TOPIC_EXCEPTION (17) and not created.
s = connect()
name = b"bad name!"
s.sendall(request(3, 1, 9, struct.pack(">ih", 1, len(name)) + name))
f = recv_frame(s)
# v1: corr, brokers[1]{id, host, port, rack}, controller, topics[1]{err, name, ...}
(nb,) = struct.unpack(">i", f[4:8])
p = 8
for _ in range(nb):
    p += 4
    (hl,) = struct.unpack(">h", f[p:p + 2]); p += 2 + hl + 4
    (rl,) = struct.unpack(">h", f[p:p + 2]); p += 2 + max(rl, 0)
p += 4
(nt,) = struct.unpack(">i", f[p:p + 4]); p += 4
(err,) = struct.unpack(">h", f[p:p + 2])
check(nb == 1 and nt == 1 and err == 17, "bad topic name: brokers %d topics %d err %d" % (nb, nt, err))
s.close()

# Pipelining: 60 requests in one write, answered in request order, also when
# some of them (those creating a topic) are answered later than the ones after.
s = connect()
batch = b""
for i in range(60):
    if i % 3 == 0:
        batch += api_versions_v3(1000 + i)
    elif i % 3 == 1:  # all topics
        batch += request(3, 4, 1000 + i, struct.pack(">ib", -1, 0))
    else:  # a new topic: created on the thread pool, answered later
        name = b"piped-%d" % i
        batch += request(3, 4, 1000 + i, struct.pack(">ih", 1, len(name)) + name + b"\x01")
s.sendall(batch)
got = [struct.unpack(">i", recv_frame(s)[:4])[0] for _ in range(60)]
check(got == list(range(1000, 1060)), "pipelined correlation ids out of order: %r" % got)
s.close()

# A client that sends and never reads: the broker stops reading from it
# instead of buffering without bound (or the kernel stops delivering, which
# has the same effect), stays usable for others and its memory stays small,
# and it closes the connection once it has been idle for --idle-timeout-ms.
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", PORT))
s.setblocking(False)
chunk = request(3, 1, 5, struct.pack(">i", -1)) * 64
sent = 0  # a partial send leaves the rest of a frame: keep the stream aligned
stalled_since = None
deadline = time.time() + 30
while time.time() < deadline:
    try:
        sent += s.send(chunk[sent % len(chunk):])
        stalled_since = None
    except BlockingIOError:
        stalled_since = stalled_since or time.time()
        if time.time() - stalled_since > 1.0 or "reading paused" in open(LOG).read():
            break
        time.sleep(0.05)
    except OSError:
        break  # closed by the broker (idle): also fine
check(stalled_since is not None, "a client that never reads could send without end "
      "(%d bytes)" % sent)
rss_kb = int([l.split()[1] for l in open("/proc/%d/status" % BROKER_PID)
              if l.startswith("VmRSS:")][0])
check(rss_kb < 256 * 1024, "broker memory grew to %d KiB for a client that never reads" % rss_kb)
healthy("a client that never reads")
# Once its backlog is handled the broker sees no progress and closes it as
# idle; a sanitizer build may still be busy with the backlog after the wait.
deadline = time.time() + 15
while time.time() < deadline and "idle for 3000 ms" not in open(LOG).read():
    time.sleep(0.2)
check("idle for 3000 ms" in open(LOG).read() or os.environ.get("KLOG_SANITIZED"),
      "the stalled client was not closed as idle")
s.close()
healthy("the stalled client's close")

# A quiet connection is closed after --idle-timeout-ms (3 s).
s = connect()
s.sendall(request(18, 0, 3))
recv_frame(s)
t0 = time.time()
check(closed_by_broker(s, timeout=15), "an idle connection was not closed")
check(2.5 <= time.time() - t0 <= 14, "idle close after %.1f s, not about 3" % (time.time() - t0))
s.close()

# --max-connections 20: the 21st concurrent connection is closed at once.
def open_connections():
    text = open(LOG).read()
    return text.count(" opened\n") - text.count(" closed: ")

deadline = time.time() + 10  # let the broker see the earlier clients' closes
while open_connections() > 0 and time.time() < deadline:
    time.sleep(0.1)
check(open_connections() == 0, "%d connections still open" % open_connections())
conns = [connect() for _ in range(20)]
for c in conns:
    c.sendall(request(18, 0, 1))
    recv_frame(c)
extra = connect()
check(closed_by_broker(extra), "connection 21 of --max-connections 20 not closed")
extra.close()
conns.pop().close()
time.sleep(0.3)
healthy("max connections, after one closed")
for c in conns:
    c.close()

sys.exit(1 if failures else 0)
PY
kill -0 "$PID" 2>/dev/null || fail "klog-serve died"
grep -q "klog-serve: warn: connection .* closed: request size -1 outside" "$T/log" ||
  fail "no log line for the negative frame size"
grep -q "klog-serve: warn: connection .* closed: unknown or unserved API key 999" "$T/log" ||
  fail "no log line for the unknown API key"
broker_stop
echo "serve_badinput: ok"
