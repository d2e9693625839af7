#!/usr/bin/env bash
# Topic configs, retention and DeleteRecords through klog-serve:
# tests/clients/configs_test.py (AlterConfigs/DescribeConfigs with
# confluent-kafka, IncrementalAlterConfigs and DeleteRecords on a raw socket,
# retention by the periodic check). Then kcat must read from the new log
# start offset, a read below it must be OFFSET_OUT_OF_RANGE (kcat -o 0
# falls back per auto.offset.reset=error and fails), and after a restart the
# log start offset must be the same (it is persisted). Last, klog-topic -b
# alter --config goes through AlterConfigs.
# Needs /usr/bin/python3 with python3-confluent-kafka, and kcat.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
PY=/usr/bin/python3
$PY -c "import confluent_kafka" 2>/dev/null || fail "$PY cannot import confluent_kafka"
command -v kcat >/dev/null || fail "kcat is not installed"
D=$T/data
mkdir -p "$D"
printf 'log.retention.check.interval.ms=300\n' >"$T/serve.conf"

broker_start -d "$D" --config "$T/serve.conf"
timeout 20 kcat -b "$ADDR" -L -X debug=protocol,feature 2>"$T/kcat.dbg" >/dev/null || true
for api in 'DeleteRecords \(21\) Versions 0\.\.1' 'AlterConfigs \(33\) Versions 0\.\.1' \
  'IncrementalAlterConfigs(Request)? \(44\) Versions 0\.\.0'; do
  grep -Eq "$api" "$T/kcat.dbg" || fail "ApiVersions does not list $api"
done

timeout 120 $PY "$SRC/tests/clients/configs_test.py" "$ADDR" || fail "configs_test.py failed"

# kcat from the beginning starts at the log start offset 50.
timeout 20 kcat -C -b "$ADDR" -t rt -p 0 -o beginning -e -f '%o\n' >"$T/read" 2>"$T/kcat.err" ||
  fail "kcat read: $(cat "$T/kcat.err")"
[[ $(head -n1 "$T/read") == 50 && $(wc -l <"$T/read") -eq 10 ]] || fail "kcat read offsets: $(tr '\n' ' ' <"$T/read")"
# Offset 10 is below the start: the broker says OFFSET_OUT_OF_RANGE.
if timeout 20 kcat -C -b "$ADDR" -t rt -p 0 -o 10 -e -X auto.offset.reset=error >/dev/null 2>"$T/oor"; then
  fail "kcat -o 10 below the log start succeeded"
fi
grep -qi 'out of range' "$T/oor" || fail "kcat -o 10: $(cat "$T/oor")"
broker_stop

# Persisted: after a restart the start is still 50, and the local tool agrees.
"$B/klog-topic" -d "$D" describe rt --json | grep -q '"start_offset":50' ||
  fail "local start offset: $("$B/klog-topic" -d "$D" describe rt --json)"
broker_restart
timeout 20 kcat -C -b "$ADDR" -t rt -p 0 -o beginning -e -f '%o\n' >"$T/read2" 2>"$T/kcat.err" ||
  fail "kcat read after restart: $(cat "$T/kcat.err")"
[[ $(head -n1 "$T/read2") == 50 ]] || fail "after restart kcat starts at $(head -n1 "$T/read2")"

# klog-topic alter --config in broker mode keeps the other configs (AlterConfigs of the merged set).
"$B/klog-topic" -b "$ADDR" alter rt --config retention.ms=123456 --delete-config retention.bytes ||
  fail "klog-topic -b alter --config"
"$B/klog-topic" -b "$ADDR" describe rt >"$T/desc" 2>&1
grep -q 'Configs: retention.ms=123456,segment.bytes=1024' "$T/desc" || fail "broker describe: $(cat "$T/desc")"
if "$B/klog-topic" -b "$ADDR" alter rt --config segment.bytes=oops 2>"$T/err"; then
  fail "bad value accepted through the broker"
fi
grep -q "segment.bytes" "$T/err" || fail "bad value error: $(cat "$T/err")"
broker_stop
echo "serve_configs: ok"
