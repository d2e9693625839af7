#!/usr/bin/env bash
# Topic administration through klog-serve: CreateTopics, DeleteTopics,
# DescribeConfigs and CreatePartitions driven by kafka-python's
# KafkaAdminClient and confluent-kafka's AdminClient
# (tests/clients/admin_test.py says what they check). Then kcat -L must show
# the grown topic's partition count, and, with the broker stopped, the data
# directory must match what the clients were told (klog-topic describe/list).
# Needs /usr/bin/python3 with python3-kafka and python3-confluent-kafka, and
# kcat. Only 127.0.0.1 is used; the broker is killed on exit.
set -euo pipefail
B=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
T=$(mktemp -d)
PID=
cleanup() {
  [[ -n $PID ]] && kill -KILL "$PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  [[ -f $T/log ]] && tail -n 40 "$T/log" | sed 's/^/  serve log: /' >&2
  exit 1
}
PY=/usr/bin/python3
for mod in confluent_kafka:python3-confluent-kafka kafka:python3-kafka; do
  $PY -c "import ${mod%%:*}" 2>/dev/null || fail "$PY cannot import ${mod%%:*} (install ${mod#*:})"
done
command -v kcat >/dev/null || fail "kcat is not installed"
D=$T/data
mkdir -p "$D"

"$B/klog-serve" -d "$D" --listen 127.0.0.1:0 --default-partitions 2 >"$T/addr" 2>"$T/log" &
PID=$!
for ((i = 0; i < 100; i++)); do
  [[ -s $T/addr ]] && break
  kill -0 "$PID" 2>/dev/null || fail "klog-serve exited at start-up"
  sleep 0.1
done
ADDR=$(head -n1 "$T/addr")
[[ $ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "no address on stdout: '$ADDR'"

# The four APIs are advertised with their version ranges.
timeout 20 kcat -b "$ADDR" -L -X debug=protocol,feature 2>"$T/kcat.dbg" >/dev/null || true
for api in 'CreateTopics \(19\) Versions 0\.\.4' 'DeleteTopics \(20\) Versions 0\.\.3' 'DescribeConfigs \(32\) Versions 0\.\.2' \
  'CreatePartitions \(37\) Versions 0\.\.1'; do
  grep -Eq "$api" "$T/kcat.dbg" || fail "ApiVersions does not list $api"
done

timeout 240 $PY "$SRC/tests/clients/admin_test.py" "$ADDR" "$D" "$B" || fail "admin_test.py failed"

# librdkafka's view after CreatePartitions.
timeout 20 kcat -b "$ADDR" -L -t cf-grow >"$T/meta" 2>"$T/kcat.err" || fail "kcat -L: $(cat "$T/kcat.err")"
grep -q 'topic "cf-grow" with 5 partitions' "$T/meta" || fail "kcat -L: $(cat "$T/meta")"

kill -TERM "$PID"
wait "$PID" || fail "klog-serve exited $? after SIGTERM"
PID=

# The data directory, read by the local tool.
"$B/klog-topic" -d "$D" describe cf-grow >"$T/desc"
grep -q $'Partitions: 5\tConfigs: retention.ms=5000' "$T/desc" || fail "cf-grow on disk: $(cat "$T/desc")"
[[ $(grep -c 'Partition: ' "$T/desc") == 5 ]] || fail "cf-grow: not 5 partitions on disk"
"$B/klog-topic" -d "$D" describe adm-a >"$T/desc"
grep -q $'Partitions: 6\tConfigs: cleanup.policy=compact,retention.ms=1000' "$T/desc" ||
  fail "adm-a on disk: $(cat "$T/desc")"
"$B/klog-topic" -d "$D" describe adm-data --json >"$T/desc"
grep -q '"partitions":3' "$T/desc" || fail "adm-data on disk: $(cat "$T/desc")"
grep -q '"partition":1,"start_offset":0,"end_offset":1,' "$T/desc" ||
  fail "recreated adm-data-1 should hold exactly 1 record: $(cat "$T/desc")"
"$B/klog-topic" -d "$D" list >"$T/list"
[[ $(cat "$T/list") == $'adm-a\nadm-data\ncf-grow' ]] || fail "topics on disk: $(cat "$T/list")"
grep -q "deleted topic 'adm-data'" "$T/log" || fail "no log line for the deletion"
grep -q "adm-locked.*locked by pid" "$T/log" || fail "no log line naming the lock holder"
echo "serve_admin: ok"
