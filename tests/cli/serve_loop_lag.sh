#!/usr/bin/env bash
# klog-serve's loop thread does not block while a partition rolls a large
# segment written before the broker started (klog-serve(1), METRICS,
# klog_loop_lag_seconds). klog-append -d writes a 500 MB active segment,
# which is then pushed out of the page cache, so that reading it takes real
# disk time. klog-serve starts on it (a restart, for the writer: it did not
# see those bytes being written, so sealing the segment reads it to compute
# its digest); one small Produce opens the partition's writer; segment.bytes
# is lowered through the broker; then a small Produce (an append the broker
# would write on its loop thread if it did not roll) makes the partition
# roll, on the pool.
#
# The assertion is about order, not time. While that Produce is outstanding,
# a second connection sends ApiVersions requests one after another, each
# after the previous answer, and stops when the Produce's answer is there.
# If the roll blocked the loop thread, the broker would answer the Produce
# in the same loop turn that read it, before it reads anything more from
# the second connection: at most one ApiVersions answer (one the loop had
# read just before the Produce) could come first. Two or more answers
# before the Produce's prove that the loop served other clients while the
# segment was read and hashed. The loop-lag metric must be exported, and
# the sealed segment's digest is then verified. Takes about 5 s and 500 MB
# of $TMPDIR, removed on exit; every process started is killed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
BROKER_METRICS=1
SEGMENT_MB=${SEGMENT_MB:-500}
command -v kcat >/dev/null || fail "kcat is not installed (make deps installs it)"
command -v python3 >/dev/null || fail "python3 is not installed"

scrape() (
  exec {fd}<>"/dev/tcp/${METRICS%:*}/${METRICS##*:}"
  printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >&"$fd"
  timeout 10 cat <&"$fd" | tr -d '\r'
)

produce() {
  echo "$1" | timeout 30 kcat -P -b "$ADDR" -t t -p 0 -X acks=1 2>"$T/kcat.err" ||
    fail "kcat -P: $(cat "$T/kcat.err")"
}

# The active segment: SEGMENT_MB of 1000-byte records, in ~1 MB batches.
D=$T/data
"$B/klog-topic" -d "$D" create t >/dev/null
python3 -c '
import sys
line = b"x" * 999 + b"\n"
out = sys.stdout.buffer
for _ in range(int(sys.argv[1]) * 1000):
    out.write(line)
' "$SEGMENT_MB" | "$B/klog-append" -d "$D" -t t -p 0 || fail "klog-append"
LOG=$D/t-0/00000000000000000000.log
size=$(stat -c %s "$LOG")
((size > SEGMENT_MB * 1000000)) || fail "active segment is $size bytes"
# Out of the page cache (written back first), so that reading it costs disk time.
python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
' "$LOG"

broker_start --metrics 127.0.0.1:0 -d "$D"
f0=$(date +%s.%N)
produce first  # opens the writer (on the pool)
f1=$(date +%s.%N)
timeout 30 "$B/klog-topic" -b "$ADDR" alter t --config segment.bytes=1048576 >/dev/null 2>"$T/alter.err" ||
  fail "alter segment.bytes: $(cat "$T/alter.err")"

# The Produce that rolls, as raw bytes: one batch klog-append wrote into a
# scratch directory (a segment file is RecordBatch v2 batches end to end).
"$B/klog-topic" -d "$T/scratch" create s >/dev/null
echo rolls | "$B/klog-append" -d "$T/scratch" -t s -p 0 || fail "klog-append (scratch)"
BATCH=$T/scratch/s-0/00000000000000000000.log

# Sends the Produce (v3, acks=1, to t-0) on one connection, then ApiVersions
# v0 round trips on another, each sent after the previous answer came, until
# the Produce's answer is readable. Prints the number of round trips done
# before it, and the Produce's error code.
python3 - "${ADDR%:*}" "${ADDR##*:}" "$BATCH" >"$T/probe" 2>&1 <<'PY' || fail "probe: $(cat "$T/probe")"
import select, socket, struct, sys

host, port, batch = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "rb").read()

def frame(api, ver, corr, body):
    client = b"lag-probe"
    head = struct.pack(">hhih", api, ver, corr, len(client)) + client
    return struct.pack(">i", len(head) + len(body)) + head + body

def read_frame(s):
    def exact(n):
        got = b""
        while len(got) < n:
            chunk = s.recv(n - len(got))
            if not chunk:
                sys.exit("the broker closed the connection")
            got += chunk
        return got
    return exact(struct.unpack(">i", exact(4))[0])

def api_versions(s, corr):
    s.sendall(frame(18, 0, corr, b""))
    if struct.unpack(">i", read_frame(s)[:4])[0] != corr:
        sys.exit("ApiVersions answer %d has the wrong correlation id" % corr)

producer = socket.create_connection((host, port), timeout=60)
prober = socket.create_connection((host, port), timeout=60)
api_versions(producer, 0)  # both connections are accepted and served
api_versions(prober, 0)
topic = b"t"
body = (struct.pack(">hhi", -1, 1, 30000) + struct.pack(">ih", 1, len(topic)) + topic +
        struct.pack(">iii", 1, 0, len(batch)) + batch)
producer.sendall(frame(0, 3, 7, body))
n = 0
while not select.select([producer], [], [], 0)[0]:
    n += 1
    api_versions(prober, n)
resp = read_frame(producer)
corr, topics, name_len = struct.unpack(">iih", resp[:10])
if corr != 7 or topics != 1:
    sys.exit("unexpected Produce answer %r" % resp[:16])
_, _, code = struct.unpack(">iih", resp[10 + name_len:10 + name_len + 10])
print(n, code)
PY
read -r count code <"$T/probe"
[[ -f $D/t-0/00000000000000000000.xxh3 ]] || fail "the segment did not roll: $(ls "$D/t-0")"
((code == 0)) || fail "the Produce that rolled answered error code $code"
echo "first produce: $(echo "$f1 - $f0" | bc) s; ApiVersions round trips while the produce that rolled was outstanding: $count" >&2
((count >= 2)) ||
  fail "only $count ApiVersions round trip(s) were answered while the Produce that rolled the segment was outstanding: the loop thread blocked"

scrape >"$T/resp"
lag_max=$(sed -n 's/^klog_loop_lag_max_seconds //p' "$T/resp")
lag_count=$(sed -n 's/^klog_loop_lag_seconds_count //p' "$T/resp")
echo "klog_loop_lag_max_seconds: ${lag_max:-missing}" >&2
[[ $lag_max =~ ^[0-9]+\.[0-9]+$ ]] || fail "klog_loop_lag_max_seconds: '$lag_max'"
[[ $lag_count =~ ^[0-9]+$ ]] && ((lag_count > 0)) || fail "klog_loop_lag_seconds_count: '$lag_count'"
broker_stop 30
# The digest the roll wrote is the segment's.
"$B/klog-dump" --verify "$D/t-0" >"$T/verify" 2>&1 || fail "klog-dump --verify: $(cat "$T/verify")"
