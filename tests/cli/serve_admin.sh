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
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
PY=/usr/bin/python3
for mod in confluent_kafka:python3-confluent-kafka kafka:python3-kafka; do
  $PY -c "import ${mod%%:*}" 2>/dev/null || fail "$PY cannot import ${mod%%:*} (install ${mod#*:})"
done
command -v kcat >/dev/null || fail "kcat is not installed"
D=$T/data
mkdir -p "$D"

broker_start -d "$D" --default-partitions 2

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

broker_stop

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
