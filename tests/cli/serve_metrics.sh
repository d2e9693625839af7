#!/usr/bin/env bash
# klog-serve --metrics: the Prometheus endpoint on its own port, served by
# libmicrohttpd on its own thread. After kcat produces and consumes 100
# records, GET /metrics shows the request counters of every API used, the
# partition's end offset, the socket byte counters, consistent histograms and
# the connection gauge following an open consumer. Also: 404/405/400 answers,
# an oversized request head (431), garbage and a half-closed partial request
# closed without an answer, the connection limit, the broker still serving
# after garbage on the metrics port, metrics.listen from --config (the flag
# wins), a bad --metrics value (exit 2) and SIGTERM with a metrics connection
# open. HTTP is spoken through bash's /dev/tcp, so no HTTP client is needed.
# Only 127.0.0.1 (and 127.0.0.2 for the config case) is used; every process
# started is killed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
S=$B/klog-serve
command -v kcat >/dev/null || fail "kcat is not installed (make deps installs it)"

# Every broker logs "metrics on HOST:PORT" with its bound metrics port (not 0),
# and exits 0 within 10 s of SIGTERM.
BROKER_METRICS=1

# http BYTES: sends BYTES (printf %b escapes) to the metrics port, prints the
# whole response (the server closes after one). A subshell, so that a write
# to a connection the server has closed fails without killing the script.
http() (
  trap '' PIPE
  exec {fd}<>"/dev/tcp/${METRICS%:*}/${METRICS##*:}" || exit 0
  printf '%b' "$1" >&"$fd" 2>/dev/null || true
  timeout 10 cat <&"$fd" 2>/dev/null || true
)

scrape() { http 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >"$T/resp"; }

# value SERIES: the value of one sample line of the last scrape.
value() {
  awk -v s="$1" 'substr($0, 1, length(s) + 1) == s " " { print $2; found = 1 }
    END { if (!found) print "missing" }' "$T/resp" | tr -d '\r'
}

# check_histogram NAME: buckets never decrease, +Inf equals _count, _count > 0.
check_histogram() {
  local name=$1 prev=0 v le
  for le in 0.0001 0.00025 0.0005 0.001 0.0025 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 +Inf; do
    v=$(value "${name}_bucket{le=\"$le\"}")
    [[ $v =~ ^[0-9]+$ ]] || fail "$name bucket $le: '$v'"
    ((v >= prev)) || fail "$name bucket $le is $v, below the previous $prev"
    prev=$v
  done
  [[ $(value "${name}_count") == "$prev" ]] || fail "$name: +Inf $prev != _count $(value "${name}_count")"
  ((prev > 0)) || fail "$name: no observation"
  [[ $(value "${name}_sum") =~ ^[0-9]+\.[0-9]+$ ]] || fail "$name _sum: '$(value "${name}_sum")'"
}

broker_start -d "$T/data" --metrics 127.0.0.1:0
# An idle metrics connection with half a request, checked near the end: it
# must have been closed after the 10 s idle timeout.
exec {IDLE}<>"/dev/tcp/${METRICS%:*}/${METRICS##*:}"
printf 'GET /met' >&"$IDLE"
IDLE_SINCE=$SECONDS
seq 1 100 | timeout 30 kcat -P -b "$ADDR" -t t 2>"$T/kcat.err" || fail "kcat -P: $(cat "$T/kcat.err")"
n=$(timeout 30 kcat -C -b "$ADDR" -t t -e 2>"$T/kcat.err" | wc -l) || fail "kcat -C: $(cat "$T/kcat.err")"
[[ $n == 100 ]] || fail "consumed $n records, not 100"

scrape
head -n1 "$T/resp" | grep -q $'^HTTP/1.1 200 OK\r$' || fail "status: $(head -n1 "$T/resp")"
grep -q $'^Content-Type: text/plain; version=0.0.4\r$' "$T/resp" || fail "no 0.0.4 Content-Type"
grep -q $'^Connection: close\r$' "$T/resp" || fail "no Connection: close"
length=$(sed -n 's/^Content-Length: \([0-9]*\)\r$/\1/p' "$T/resp")
body=$(($(wc -c <"$T/resp") - $(sed '/^\r$/q' "$T/resp" | wc -c)))
[[ $length == "$body" ]] || fail "Content-Length $length, body $body bytes"
for api in Produce Fetch Metadata ApiVersions; do
  v=$(value "klog_requests_total{api=\"$api\"}")
  [[ $v =~ ^[0-9]+$ ]] && ((v > 0)) || fail "klog_requests_total{api=\"$api\"} is '$v'"
  grep -q "^klog_request_errors_total{api=\"$api\"} [0-9]" "$T/resp" || fail "no errors line for $api"
done
[[ $(value 'klog_log_end_offset{topic="t",partition="0"}') == 100 ]] ||
  fail "log end offset of t/0: $(value 'klog_log_end_offset{topic="t",partition="0"}')"
[[ $(value klog_partitions) == 1 ]] || fail "klog_partitions: $(value klog_partitions)"
for c in klog_bytes_in_total klog_bytes_out_total; do
  v=$(value $c)
  [[ $v =~ ^[0-9]+$ ]] && ((v > 292)) || fail "$c is '$v' (100 records were sent and read)"
done
check_histogram klog_produce_latency_seconds
check_histogram klog_fetch_latency_seconds
check_histogram klog_loop_lag_seconds
for family in klog_requests_total klog_request_errors_total klog_bytes_in_total \
  klog_bytes_out_total klog_produce_latency_seconds klog_fetch_latency_seconds \
  klog_connections klog_connections_accepted_total klog_partitions klog_log_end_offset \
  klog_loop_lag_seconds klog_loop_lag_max_seconds; do
  grep -q "^# HELP $family " "$T/resp" || fail "no HELP for $family"
  grep -q "^# TYPE $family \(counter\|gauge\|histogram\)" "$T/resp" || fail "no TYPE for $family"
done
accepted=$(value klog_connections_accepted_total)
((accepted >= 2)) || fail "klog_connections_accepted_total is $accepted after two kcat runs"

# The connection gauge follows an open consumer.
timeout 60 kcat -C -b "$ADDR" -t t -o end >/dev/null 2>&1 &
CONSUMER=$!
PIDS+=("$CONSUMER")
for ((i = 0; i < 100; i++)); do
  scrape
  [[ $(value klog_connections) =~ ^[1-9] ]] && break
  sleep 0.1
done
[[ $(value klog_connections) =~ ^[1-9] ]] || fail "klog_connections with a consumer: $(value klog_connections)"
kill "$CONSUMER"
wait "$CONSUMER" 2>/dev/null || true
for ((i = 0; i < 100; i++)); do
  scrape
  [[ $(value klog_connections) == 0 ]] && break
  sleep 0.1
done
[[ $(value klog_connections) == 0 ]] || fail "klog_connections after the consumer left: $(value klog_connections)"

# A Metadata request for an invalid topic name is answered with an error code.
before=$(value 'klog_request_errors_total{api="Metadata"}')
timeout 20 kcat -b "$ADDR" -m 5 -L -t 'no/such' >/dev/null 2>&1 || true
scrape
after=$(value 'klog_request_errors_total{api="Metadata"}')
((after > before)) || fail "Metadata errors $before -> $after after an invalid topic name"

# Other paths, methods and malformed or oversized requests.
http 'GET /other HTTP/1.1\r\n\r\n' | head -n1 | grep -q '^HTTP/1.1 404 ' || fail "/other is not 404"
http 'POST /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello' | head -n1 |
  grep -q '^HTTP/1.1 405 ' || fail "POST is not 405"
http 'GET /metrics HTTP/1.1 extra\r\n\r\n' | head -n1 | grep -q '^HTTP/1.1 400 ' ||
  fail "a malformed request line is not 400"
http 'GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n' | head -n1 | grep -q '^HTTP/1.1 400 ' ||
  fail "a malformed header line is not 400"
# A request line libmicrohttpd cannot split at all is closed without an answer.
out=$(http 'garbage\r\n\r\n')
[[ -z $out ]] || fail "garbage was answered: $(head -n1 <<<"$out")"
big=$(head -c 9000 /dev/zero | tr '\0' a)
http "GET /metrics HTTP/1.1\r\nX-Big: $big\r\n\r\n" | head -n1 | grep -q '^HTTP/1.1 431 ' ||
  fail "a 9000-byte request head is not 431"
# A partial request followed by the client's half-close is closed without an
# answer (bash cannot half-close a socket; python3 can).
if command -v python3 >/dev/null; then
  python3 - "${METRICS%:*}" "${METRICS##*:}" >"$T/half" <<'PY' || fail "half-close client failed"
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"\x00\x00\x00\x10binary junk")
s.shutdown(socket.SHUT_WR)
data = b""
while chunk := s.recv(4096):
    data += chunk
print(repr(data))
PY
  grep -qx "b''" "$T/half" || fail "a partial request then EOF was answered: '$(cat "$T/half")'"
fi

# At most 16 metrics connections: with 16 more open, the next is closed
# without an answer. (Not counting on the idle one above: on a loaded
# machine its 10 s may be over by now.)
FDS=()
for ((i = 0; i < 16; i++)); do
  exec {fd}<>"/dev/tcp/${METRICS%:*}/${METRICS##*:}"
  FDS+=("$fd")
done
sleep 0.2
out=$(http 'GET /metrics HTTP/1.1\r\n\r\n')
[[ -z $out ]] || fail "a 17th metrics connection was answered: $(head -n1 <<<"$out")"
for fd in "${FDS[@]}"; do exec {fd}<&-; done
for ((i = 0; i < 50; i++)); do
  scrape
  head -n1 "$T/resp" | grep -q '^HTTP/1.1 200 ' && break
  sleep 0.1
done
head -n1 "$T/resp" | grep -q '^HTTP/1.1 200 ' || fail "no answer after the idle connections closed"

# The broker still serves, and the metrics port still answers.
timeout 20 kcat -C -b "$ADDR" -t t -e 2>/dev/null | wc -l | grep -qx 100 || fail "broker after garbage"
scrape
[[ $(value 'klog_log_end_offset{topic="t",partition="0"}') == 100 ]] || fail "metrics after garbage"

# The idle connection was closed, without an answer.
((SECONDS - IDLE_SINCE < 12)) && sleep $((12 - (SECONDS - IDLE_SINCE)))
rc=0
out=$(timeout 2 cat <&"$IDLE") || rc=$?
[[ $rc == 0 && -z $out ]] || fail "idle metrics connection not closed after 10 s (rc $rc, '$out')"
exec {IDLE}<&-

# SIGTERM with a half-sent metrics request open still ends the broker with 0.
exec {fd}<>"/dev/tcp/${METRICS%:*}/${METRICS##*:}"
printf 'GET /met' >&"$fd"
broker_stop
exec {fd}<&-

# metrics.listen from --config; --metrics wins over it.
printf 'metrics.listen = 127.0.0.2:0\n' >"$T/serve.conf"
broker_start -d "$T/data" --config "$T/serve.conf"
[[ $METRICS == 127.0.0.2:* ]] || fail "metrics.listen from the file not used: $METRICS"
scrape
# A restarted broker serves every partition of its directory (topic t, one
# partition) before any client has asked for it.
[[ $(value klog_partitions) == 1 ]] || fail "a restarted broker serves $(value klog_partitions) partitions, not 1"
[[ $(value 'klog_log_end_offset{topic="t",partition="0"}') == 100 ]] ||
  fail "log end offset of t/0 after a restart: $(value 'klog_log_end_offset{topic="t",partition="0"}')"
broker_stop
broker_start -d "$T/data" --config "$T/serve.conf" --metrics 127.0.0.1:0
[[ $METRICS == 127.0.0.1:* ]] || fail "--metrics did not win over metrics.listen: $METRICS"
# A metrics port in use (this broker's Kafka port) ends a second one with exit 1.
rc=0
timeout 10 "$S" -d "$T/data2" --listen 127.0.0.1:0 --metrics "$ADDR" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q "^klog-serve: metrics: listen on $ADDR: " "$T/err" ||
  fail "metrics port in use: exit $rc, $(cat "$T/err")"
[[ ! -s $T/out ]] || fail "metrics port in use: printed an address: $(cat "$T/out")"
broker_stop

# Usage errors.
for bad in "--metrics nonsense" "--metrics 127.0.0.1:70000"; do
  rc=0
  # shellcheck disable=SC2086
  "$S" -d "$T/data" $bad >"$T/out" 2>"$T/err" </dev/null || rc=$?
  [[ $rc == 2 ]] || fail "'$bad': exit $rc, not 2"
  grep -q "^klog-serve: " "$T/err" || fail "'$bad': no message on stderr"
done
echo "serve_metrics: ok"
