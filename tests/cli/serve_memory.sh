#!/usr/bin/env bash
# klog-serve's memory is bounded whatever clients send: 20 raw-socket clients
# each send 15 MiB of a 16 MiB Produce request and stop. With the default
# max.queued.request.bytes (100 MiB) the broker reads only the requests it
# has reserved memory for and stops reading the others, so its RSS grows by
# less than the bound plus a fixed overhead (without the bound it grows by
# the whole 300 MiB). Then the clients finish their requests (one closes
# instead) and every one is answered as memory is released; the reservations
# all come back, and normal clients are served. A bound smaller than one
# request still lets that request through alone (no deadlock). Also:
# listening on an address that is not loopback warns that clients are not
# authenticated (checked with 192.0.2.1, TEST-NET, which fails to bind, so
# nothing listens beyond 127.0.0.1). RSS is read from /proc/PID/status.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

BROKER_METRICS=1

# The flood and its checks, in Python with raw sockets. Arguments: port,
# metrics address, broker pid, clients, frame MiB, bound MiB for RSS, mode.
cat >"$T/flood.py" <<'PY'
import os, socket, struct, sys, threading, time, urllib.request

PORT, METRICS, PID = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
N, FRAME_MIB, BOUND_MIB, MODE = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
MiB = 1 << 20
FRAME = FRAME_MIB * MiB            # bytes after the size prefix
PAUSE_AT = FRAME + 4 - MiB         # bytes each client sends before it stops
ZEROS = bytes(MiB)
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)

def rss_kib():
    for line in open("/proc/%d/status" % PID):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0

def metric(name):
    text = urllib.request.urlopen("http://%s/metrics" % METRICS, timeout=10).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return int(float(line.split()[1]))
    return None  # a broker without this metric

def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf

def produce_head(corr):
    """The frame's first bytes: a Produce v3 (acks=1) of one bogus batch that
    fills the frame; the rest of the frame is zeros. The broker answers it
    with an error for the partition."""
    head = struct.pack(">hhih", 0, 3, corr, 4) + b"test"
    head += struct.pack(">hhi", -1, 1, 30000)                      # no txn id, acks, timeout
    head += struct.pack(">ih", 1, 5) + b"flood" + struct.pack(">ii", 1, 0)
    records = FRAME - len(head) - 4
    head += struct.pack(">i", records) + struct.pack(">qi", 0, records - 12)
    return struct.pack(">i", FRAME) + head

class Client(threading.Thread):
    def __init__(self, i, finish):
        super().__init__(daemon=True)
        self.i, self.finish = i, finish
        self.paused = threading.Event()
        self.answer, self.error = None, None

    def send_upto(self, s, start, end, head):
        pos = start
        if pos < len(head):
            s.sendall(head[pos:min(end, len(head))])
            pos = min(end, len(head))
        while pos < end:
            n = min(end - pos, MiB)
            s.sendall(ZEROS[:n])
            pos += n

    def run(self):
        try:
            head = produce_head(100 + self.i)
            s = socket.create_connection(("127.0.0.1", PORT), timeout=600)
            self.send_upto(s, 0, PAUSE_AT, head)
            self.paused.set()
            self.finish.wait()
            if self.i == 0:  # gives up: its reservation must come back
                s.close()
                return
            self.send_upto(s, PAUSE_AT, FRAME + 4, head)
            frame = recv_exact(s, struct.unpack(">i", recv_exact(s, 4))[0])
            self.answer = struct.unpack(">i", frame[:4])[0]
            s.close()
        except Exception as e:
            self.error = repr(e)
            self.paused.set()

def wait_for(cond, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return True
        time.sleep(0.1)
    return cond()

if MODE == "flood":
    base = rss_kib()
    peak = [base]
    sampling = threading.Event()
    sampling.set()
    def sample():
        while sampling.is_set():
            peak[0] = max(peak[0], rss_kib())
            time.sleep(0.02)
    threading.Thread(target=sample, daemon=True).start()
    finish = threading.Event()
    clients = [Client(i, finish) for i in range(N)]
    for c in clients:
        c.start()

    # The flood has peaked when every client has either sent its 15 MiB (and
    # the broker has read it) or is not being read for want of memory.
    def flood_settled():
        paused = sum(c.paused.is_set() for c in clients)
        waiting = metric("klog_connections_waiting_for_memory") or 0
        read = metric("klog_bytes_in_total")
        return paused + waiting >= N and read >= paused * PAUSE_AT
    check(wait_for(flood_settled, 300), "the flood did not settle: %d paused, %r waiting" %
          (sum(c.paused.is_set() for c in clients), metric("klog_connections_waiting_for_memory")))
    time.sleep(0.2)  # one more RSS sample at the peak
    sampling.clear()
    grown = (peak[0] - base) // 1024
    held = metric("klog_request_memory_bytes")
    print("flood: RSS %d MiB -> peak %d MiB (+%d MiB); %d of %d clients read; "
          "request memory %s bytes; waiting %s" % (
              base // 1024, peak[0] // 1024, grown, sum(c.paused.is_set() for c in clients), N,
              held, metric("klog_connections_waiting_for_memory")))
    check(grown < BOUND_MIB + 48,
          "RSS grew by %d MiB under the flood: over the %d MiB bound + 48 MiB" % (grown, BOUND_MIB))
    check(held is not None and held <= BOUND_MIB * MiB, "request memory %r over the bound" % held)
    check(all(c.error is None for c in clients), "client errors: %r" % [c.error for c in clients])

    # The clients finish their requests (client 0 closes instead): each is
    # answered once memory is released.
    finish.set()
    check(wait_for(lambda: not any(c.is_alive() for c in clients), 600),
          "clients still waiting for their answer: %r" % [c.i for c in clients if c.is_alive()])
    answers = [c.answer for c in clients[1:]]
    check(answers == [100 + i for i in range(1, N)], "answers (correlation ids): %r" % answers)
    check(all(c.error is None for c in clients), "client errors: %r" % [c.error for c in clients])
    check(wait_for(lambda: metric("klog_request_memory_bytes") == 0, 30),
          "request memory not given back: %r" % metric("klog_request_memory_bytes"))
    check(metric("klog_connections_waiting_for_memory") == 0, "connections still waiting")

elif MODE == "oversize":
    # Two requests, each larger than the whole bound: each proceeds alone.
    finish = threading.Event()
    finish.set()
    clients = [Client(i + 1, finish) for i in range(2)]
    for c in clients:
        c.start()
    check(wait_for(lambda: not any(c.is_alive() for c in clients), 300),
          "a request larger than the bound was never answered")
    check([c.answer for c in clients] == [101, 102] and all(c.error is None for c in clients),
          "oversize answers %r errors %r" % ([c.answer for c in clients], [c.error for c in clients]))
    check(wait_for(lambda: metric("klog_request_memory_bytes") == 0, 30),
          "request memory not given back: %r" % metric("klog_request_memory_bytes"))

sys.exit(1 if failures else 0)
PY

"$B/klog-topic" -d "$T/data" create flood

# The default bound (100 MiB) against 20 clients x 15 MiB.
broker_start -d "$T/data" --metrics 127.0.0.1:0
timeout 900 /usr/bin/python3 "$T/flood.py" "${ADDR#*:}" "$METRICS" "$PID" 20 16 100 flood ||
  fail "unfinished-request flood"
kill -0 "$PID" 2>/dev/null || fail "klog-serve died"
grep -q "klog-serve: info: request memory limit reached (max.queued.request.bytes 104857600)" \
  "$T/log" || fail "no log line saying the request memory limit was reached"
# Normal clients are served afterwards.
seq 1 100 | "$B/klog-append" -b "$ADDR" -t after || fail "klog-append -b after the flood"
[[ $("$B/klog-read" -b "$ADDR" -t after | wc -l) == 100 ]] || fail "klog-read -b after the flood"
grep -q "not a loopback address" "$T/log" && fail "warned about 127.0.0.1"
broker_stop

# A bound smaller than one request: --max-queued-request-bytes 1 MiB, requests of 3 MiB.
broker_start -d "$T/data" --metrics 127.0.0.1:0 --max-queued-request-bytes 1048576
timeout 300 /usr/bin/python3 "$T/flood.py" "${ADDR#*:}" "$METRICS" "$PID" 2 3 1 oversize ||
  fail "requests larger than the bound"
broker_stop

# A listen address that is not loopback: a warning on stderr before binding.
rc=0
timeout 10 "$B/klog-serve" -d "$T/data2" --listen 192.0.2.1:0 >"$T/out2" 2>"$T/err2" || rc=$?
grep -q "^klog-serve: warn: listen address 192.0.2.1:0 is not a loopback address: clients are not authenticated" \
  "$T/err2" || fail "no warning for a non-loopback listen address: $(cat "$T/err2")"
echo "serve_memory: ok"
