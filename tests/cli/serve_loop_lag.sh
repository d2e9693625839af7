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
# roll, on the pool. Meanwhile a raw-socket client sends ApiVersions requests back to
# back: the slowest round trip, and the loop-lag metric, must stay below
# MAX_LAG seconds (reading the whole segment on the loop thread, as klog did
# before, takes seconds: 1.1 to 1.6 s here, against under 10 ms now). The
# sealed segment's digest is then verified. Takes about 5 s and 500 MB of
# $TMPDIR, removed on exit; every process started is killed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
BROKER_METRICS=1
MAX_LAG=${MAX_LAG:-0.5}
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

# ApiVersions v0 round trips, back to back, until $T/stop-probe exists;
# prints the count and the slowest round trip in seconds.
python3 - "${ADDR%:*}" "${ADDR##*:}" "$T/stop-probe" >"$T/probe" 2>&1 <<'PY' &
import os, socket, struct, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
client = b"lag-probe"
n, worst = 0, 0.0
while not os.path.exists(sys.argv[3]):
    body = struct.pack(">hhih", 18, 0, n, len(client)) + client
    t0 = time.monotonic()
    s.sendall(struct.pack(">i", len(body)) + body)
    head = b""
    while len(head) < 4:
        head += s.recv(4 - len(head))
    left = struct.unpack(">i", head)[0]
    body = b""
    while len(body) < left:
        body += s.recv(left - len(body))
    if struct.unpack(">i", body[:4])[0] != n:
        sys.exit("response %d has the wrong correlation id" % n)
    worst = max(worst, time.monotonic() - t0)
    n += 1
    time.sleep(0.002)
print(n, "%.6f" % worst)
PY
PROBE=$!
PIDS+=("$PROBE")
sleep 0.5
t0=$(date +%s.%N)
produce rolls
t1=$(date +%s.%N)
sleep 0.5
touch "$T/stop-probe"
wait "$PROBE" || fail "probe: $(cat "$T/probe")"
read -r count worst <"$T/probe"
((count > 10)) || fail "only $count ApiVersions round trips"
[[ -f $D/t-0/00000000000000000000.xxh3 ]] || fail "the segment did not roll: $(ls "$D/t-0")"

scrape >"$T/resp"
lag_max=$(sed -n 's/^klog_loop_lag_max_seconds //p' "$T/resp")
lag_count=$(sed -n 's/^klog_loop_lag_seconds_count //p' "$T/resp")
echo "first produce: $(echo "$f1 - $f0" | bc) s; produce that rolled: $(echo "$t1 - $t0" | bc) s; slowest ApiVersions round trip of $count: $worst s; klog_loop_lag_max_seconds: ${lag_max:-missing}" >&2
awk -v w="$worst" -v m="$MAX_LAG" 'BEGIN { exit !(w < m) }' ||
  fail "an ApiVersions round trip took $worst s during the roll (limit $MAX_LAG s)"
[[ $lag_max =~ ^[0-9]+\.[0-9]+$ ]] || fail "klog_loop_lag_max_seconds: '$lag_max'"
[[ $lag_count =~ ^[0-9]+$ ]] && ((lag_count > 0)) || fail "klog_loop_lag_seconds_count: '$lag_count'"
awk -v w="$lag_max" -v m="$MAX_LAG" 'BEGIN { exit !(w < m) }' ||
  fail "klog_loop_lag_max_seconds is $lag_max (limit $MAX_LAG s)"
broker_stop 30
# The digest the roll wrote is the segment's.
"$B/klog-dump" --verify "$D/t-0" >"$T/verify" 2>&1 || fail "klog-dump --verify: $(cat "$T/verify")"
