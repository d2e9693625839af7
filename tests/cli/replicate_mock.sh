#!/usr/bin/env bash
# klog-replicate -b against a second Kafka implementation: librdkafka's
# in-memory mock cluster (tests/clients/mock_cluster.cpp), three brokers.
# Records produced with kcat (keys; none, gzip, snappy, lz4 and zstd) into
# partitions led by different brokers are copied at the same offsets with the
# same keys, values and timestamps as kcat reads them back, each batch
# keeping the producer's codec. Leaders that move while a copy runs (each
# answer slowed down, so the copy is still under way when they move), one
# partition left without a leader for half a second on the way, are looked
# up again and the copy still ends equal to the source; so are those
# of a broker that dies mid-copy (with a warning that the source was lost,
# and a line when it is reached again). With the first bootstrap broker down,
# the copy asks the next one. -f copies what is produced later, across
# another leader move, and SIGTERM ends it with exit 0.
#
# What the mock (librdkafka 2.0) cannot show: it offers neither
# DescribeConfigs (the copy's topics get no configs) nor OffsetForLeaderEpoch,
# and its Fetch stops at v11 (no diverging epoch), so divergence is left to
# replicate_broker.sh; the batches' leader epochs stay 0 across leader moves.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

command -v kcat >/dev/null || fail "kcat is not installed"
dst=$T/dst RPID=

# The mock cluster, as a coprocess: its stdout gives the bootstrap servers and
# then one answer per command written to its stdin. It exits at the end of its
# stdin, so it goes with the test whatever way the test ends.
coproc MOCK { exec "$B/mock_cluster" -n 3 -t orders:3 -t users:2 2>"$T/mock.err"; }
PIDS+=("$MOCK_PID")
mock_log_tail() { tail -n 20 "$T/mock.err" | sed 's/^/  mock_cluster: /'; }
on_fail mock_log_tail
read -r -t 10 -u "${MOCK[0]}" BOOT || fail "mock_cluster printed no bootstrap servers: $(cat "$T/mock.err")"
[[ $BOOT =~ ^127\.0\.0\.1:[0-9]+(,127\.0\.0\.1:[0-9]+){2}$ ]] || fail "bootstrap servers: '$BOOT'"
# The brokers kcat is given: those up (it would keep trying one that is down).
UP=$BOOT

# mock CMD...: one command to the mock cluster, which must answer "ok" within 5 s.
mock() {
  local answer=
  echo "$*" >&"${MOCK[1]}"
  read -r -t 5 -u "${MOCK[0]}" answer || fail "mock_cluster did not answer '$*'"
  [[ $answer == ok ]] || fail "mock_cluster: '$*': $answer"
}

# leaders TOPIC BROKER...: partition i of TOPIC is led by the i-th BROKER;
# kcat's view of the metadata must agree within 50 looks.
leaders() {
  local topic=$1 i want got=
  shift
  for ((i = 1; i <= $#; i++)); do mock leader "$topic" $((i - 1)) "${!i}"; done
  want=$(for ((i = 1; i <= $#; i++)); do echo "$((i - 1)) ${!i}"; done)
  for ((i = 0; i < 50; i++)); do
    got=$(timeout 10 kcat -L -b "$UP" -t "$topic" |
      sed -n 's/^ *partition \([0-9]*\), leader \([0-9]*\),.*/\1 \2/p') || true
    [[ $got == "$want" ]] && return 0
    sleep 0.1
  done
  fail "topic $topic: leaders are '$got', not '$want'"
}

# produce TOPIC PARTITION CODEC FROM TO: records FROM..TO keyed kN:vN, in
# batches of at most $BATCH records.
BATCH=50
produce() {
  seq "$4" "$5" | awk -v p="$2" '{ print "k" $1 % 17 ":v" p "-" $1 }' |
    timeout 30 kcat -P -b "$UP" -t "$1" -p "$2" -z "$3" -K : -X batch.num.messages="$BATCH" ||
    fail "kcat could not produce to $1 partition $2"
}

# count TOPIC: the records of TOPIC in the copy (0 while it has none).
count() { { "$B/klog-read" -d "$dst" -t "$1" 2>/dev/null || true; } | wc -l; }

# wait_count TOPIC N: the copy's TOPIC holds N records, within 30 s, while the
# background copy ($RPID) runs.
wait_count() {
  local i n=0
  for ((i = 0; i < 300; i++)); do
    n=$(count "$1")
    [[ $n == "$2" ]] && return 0
    kill -0 "$RPID" 2>/dev/null || fail "klog-replicate exited early: $(cat "$T/rerr")"
    sleep 0.1
  done
  fail "the copy has $n records of topic $1, not $2: $(cat "$T/rerr")"
}

# wait_exit SECONDS: the background copy exits within SECONDS, with status 0.
wait_exit() {
  local i rc=0
  for ((i = 0; i < $1 * 20; i++)); do
    kill -0 "$RPID" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$RPID" 2>/dev/null && fail "klog-replicate still running after $1 s: $(cat "$T/rerr")"
  wait "$RPID" || rc=$?
  RPID=
  [[ $rc == 0 ]] || fail "klog-replicate exited $rc: $(cat "$T/rerr")"
}

# codecs_are TOPIC PARTITION CODEC: the copy's partition holds batches
# compressed with CODEC, and no other codec, as the producer sent them
# (klog-dump of its segments). librdkafka sends a batch that does not shrink
# uncompressed, so some may be "none".
codecs_are() {
  local got
  got=$("$B/klog-dump" "$dst/$1-$2"/*.log | sed -n 's/^baseOffset: .* codec: \([a-z0-9]*\).*/\1/p' |
    sort | uniq -c)
  if ! grep -q " $3$" <<<"$got" || grep -qv " \($3\|none\)$" <<<"$got"; then
    fail "$1 partition $2: the copy's batches are not $3: $got"
  fi
}

# check_same NAME TOPIC PARTITIONS: each partition of the copy reads as kcat
# reads the source: offsets, timestamps, keys and values.
check_same() {
  local name=$1 topic=$2 p
  for ((p = 0; p < $3; p++)); do
    timeout 30 kcat -C -b "$UP" -t "$topic" -p "$p" -e -q -X fetch.wait.max.ms=10 -f '%o %T %k %s\n' >"$T/want" ||
      fail "$name: kcat could not read $topic partition $p"
    "$B/klog-read" -d "$dst" -t "$topic" -p "$p" --format '%o %T %k %s\n' >"$T/got" ||
      fail "$name: klog-read of the copy's $topic partition $p failed"
    [[ -s $T/want ]] || fail "$name: the source's $topic partition $p is empty"
    cmp -s "$T/want" "$T/got" ||
      fail "$name: $topic partition $p differs from the source: $(diff "$T/want" "$T/got" | head -5)"
  done
}

# 1. A copy of partitions led by three brokers, in five codecs.
leaders orders 1 2 3
leaders users 3 1
codecs=(none gzip snappy lz4 zstd)
for p in 0 1 2; do produce orders "$p" "${codecs[p]}" 1 400; done
for p in 0 1; do produce users "$p" "${codecs[p + 3]}" 1 300; done
run timeout 60 "$B/klog-replicate" -b "$BOOT" -d "$dst" --stats
[[ $rc == 0 ]] || fail "copy exit $rc: $(cat "$T/err")"
[[ ! -s $T/err ]] || fail "the copy wrote to stderr: $(cat "$T/err")"
[[ $(wc -l <"$T/out") == 5 ]] || fail "--stats: want 5 lines: $(cat "$T/out")"
check_same "first copy" orders 3
check_same "first copy" users 2
for p in 0 1 2; do codecs_are orders "$p" "${codecs[p]}"; done
for p in 0 1; do codecs_are users "$p" "${codecs[p + 3]}"; done

# A slowed copy: every answer is delayed by 40 ms and the mock answers a
# Fetch with one batch per partition, so 75 new batches in each partition
# take 3 s or more to copy.
BATCH=40

# start_copy ARGS...: klog-replicate -b "$BOOT" -d "$dst" ARGS... in the
# background ($RPID; stdout in $T/rout, stderr in $T/rerr).
start_copy() {
  "$B/klog-replicate" -b "$BOOT" -d "$dst" "$@" >"$T/rout" 2>"$T/rerr" &
  RPID=$!
  PIDS+=("$RPID")
}

# under_way TOPIC FROM TO: the background copy of TOPIC has gone past FROM
# records (waiting up to 5 s) but not reached TO, and still runs.
under_way() {
  local i
  for ((i = 0; i < 100; i++)); do
    (($(count "$1") > $2)) && break
    sleep 0.05
  done
  kill -0 "$RPID" 2>/dev/null || fail "the copy ended too soon; more records needed: $(cat "$T/rerr")"
  (($(count "$1") < $3)) || fail "the copy of $1 was complete too soon; more records needed"
}

# 2. Leaders that move while a copy runs: the copy looks them up again,
# and waits while a partition has none for a moment (an election).
for p in 0 1 2; do produce orders "$p" "${codecs[p]}" 401 3400; done
mock rtt -1 40
start_copy -t orders
under_way orders 1300 10200
mock leader orders 1 -1
sleep 0.5
leaders orders 2 3 1
under_way orders 1300 10200
wait_exit 60
[[ ! -s $T/rerr ]] || fail "the copy across a leader move wrote to stderr: $(cat "$T/rerr")"
mock rtt -1 0
check_same "leaders moved mid-copy" orders 3

# 3. A broker that dies while a copy runs, its partitions led by others from
# then on: the copy warns, looks the leaders up again and completes.
leaders orders 1 2 3
for p in 0 1 2; do produce orders "$p" "${codecs[p]}" 3401 6400; done
mock rtt -1 40
start_copy -t orders
under_way orders 10500 19200
mock down 1
mock leader orders 0 2
wait_exit 60
grep -q "^klog-replicate: warning: lost the source (.*broker 1 " "$T/rerr" ||
  fail "no warning that broker 1 was lost: $(cat "$T/rerr")"
grep -q '^klog-replicate: reached the source again$' "$T/rerr" ||
  fail "no line saying the source was reached again: $(cat "$T/rerr")"
mock rtt -1 0
UP=${BOOT#*,}
check_same "broker 1 died mid-copy" orders 3

# 4. The first bootstrap broker down from the start: the copy asks the next.
BATCH=50
leaders users 3 2
for p in 0 1 2; do produce orders "$p" "${codecs[p]}" 6401 6600; done
run timeout 60 "$B/klog-replicate" -b "$BOOT" -d "$dst"
[[ $rc == 0 ]] || fail "copy with broker 1 down: exit $rc: $(cat "$T/err")"
check_same "broker 1 down" orders 3
check_same "broker 1 down" users 2
mock up 1
UP=$BOOT

# 5. -f: what is produced later is copied, also across a leader move; SIGTERM
# ends the run with exit 0.
start_copy -f
for p in 0 1; do produce users "$p" "${codecs[p + 3]}" 301 500; done
wait_count users 1000
leaders users 1 3
leaders orders 3 1 2
for p in 0 1; do produce users "$p" "${codecs[p + 3]}" 501 600; done
for p in 0 1 2; do produce orders "$p" "${codecs[p]}" 6601 6700; done
wait_count users 1200
wait_count orders 20100
kill -TERM "$RPID"
wait_exit 5
check_same "follow" orders 3
check_same "follow" users 2
echo "replicate_mock: ok"
