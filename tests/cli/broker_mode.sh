#!/usr/bin/env bash
# Broker mode (-b) of klog-append, klog-read and klog-topic against klog-serve.
#
# Without a broker: --flush with -b and a bad -X setting are usage errors
# (exit 2); an unreachable broker (a closed port, from -b or $KLOG_BROKERS)
# fails with exit 1 within a bounded time and a "broker HOST:PORT: ..."
# message; an explicit -d wins over $KLOG_BROKERS.
# With klog-serve on its own data directory: 100000 lines appended with -b
# read back with -b exactly; JSON records (null and empty keys and values,
# headers, non-UTF-8 bytes, fixed timestamps) on three partitions; keys
# placed on the same partitions as local klog-append places them; -f sees
# records appended later and ends with 0 on SIGINT; klog-topic create, list,
# describe, alter and delete through the admin API; --no-create. Every klog-read
# output taken through the broker (default, -D, --format, --json, -o end, -N,
# N, @MS, @ISO, --until, -c, -p) is then compared byte for byte with local
# mode reading the same directory after the broker stopped.
# Usage: broker_mode.sh BUILD_DIR [SOURCE_DIR]. Exit 0 = pass.
set -euo pipefail
set -f  # the flag lists below are split on spaces, never globbed
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
APPEND=$B/klog-append READ=$B/klog-read TOPIC=$B/klog-topic
D=$T/data
mkdir -p "$D"
# Every client call is bounded, so a hang fails the test instead of stalling it.
t() { timeout 60 "$@"; }
# expect_exit (lib/common.sh) bounds its command to 60 s as well.

# --- Without a broker ---------------------------------------------------
CLOSED=127.0.0.1:1
expect_exit 2 "--flush" "$APPEND" -b "$CLOSED" -t x --flush batch
expect_exit 2 "no\.such\.setting" "$READ" -b "$CLOSED" -t x -X no.such.setting=1
expect_exit 2 "fetch\.wait\.max\.ms" "$READ" -b "$CLOSED" -t x -X fetch.wait.max.ms=abc
expect_exit 2 "--acks" "$APPEND" -b "$CLOSED" -t x --acks 2
for cmd in "$READ -t x" "$APPEND -t x" "$TOPIC list" "$TOPIC describe x"; do
  start_s=$(date +%s)
  # shellcheck disable=SC2086
  expect_exit 1 "^klog-[a-z]+: broker 127\.0\.0\.1:1: Connection refused$" $cmd -b "$CLOSED"
  (($(date +%s) - start_s <= 15)) || fail "'$cmd -b $CLOSED' took more than 15 s to fail"
done
KLOG_BROKERS=$CLOSED expect_exit 1 "broker 127\.0\.0\.1:1: " "$READ" -t x
# An explicit -d is local mode even with $KLOG_BROKERS set (and -X is ignored there).
echo local | KLOG_BROKERS=$CLOSED t "$APPEND" -d "$T/local" -t x --acks 1 -X acks=1 ||
  fail "-d with \$KLOG_BROKERS did not append locally"
[[ $(KLOG_BROKERS=$CLOSED t "$READ" -d "$T/local" -t x) == local ]] || fail "-d did not win over \$KLOG_BROKERS"
# -b wins over -d.
expect_exit 1 "broker 127\.0\.0\.1:1: " "$READ" -d "$T/local" -b "$CLOSED" -t x

# Keys placed by local mode, for the placement check below.
for i in $(seq 1 500); do echo "key-$i|value-$i"; done >"$T/keys"
t "$APPEND" -d "$T/local" -t keys --partitions 4 -K '|' <"$T/keys"
t "$READ" -d "$T/local" -t keys --format '%p %k\n' | sort >"$T/keys.local"

# --- Broker up ------------------------------------------------------------
broker_start -d "$D"

# 100000 lines through the broker (topic auto-created with one partition).
seq 1 100000 | t "$APPEND" -b "$ADDR" -t t 2>"$T/err" || fail "klog-append -b of 100000 lines failed"
[[ ! -s $T/err ]] || fail "klog-append -b wrote to stderr: $(cat "$T/err")"
t "$READ" -b "$ADDR" -t t >"$T/t.out" || fail "klog-read -b failed"
seq 1 100000 | cmp -s - "$T/t.out" || fail "klog-read -b does not give back seq 1 100000"
# $KLOG_BROKERS alone selects broker mode.
[[ $(KLOG_BROKERS=$ADDR t "$READ" -t t -c 2) == $'1\n2' ]] || fail "\$KLOG_BROKERS not used"

# JSON records on three partitions, created through the admin API.
cat >"$T/records.json" <<'EOF'
{"key":"a","value":"first","timestamp":1000,"headers":[{"key":"h1","value":"x"},{"key":"h2","value":null}]}
{"key":null,"value":null,"timestamp":2000,"partition":0}
{"key":"","value":"","timestamp":3000,"partition":1}
{"key":"k\u00e9","value":"//4A","value_encoding":"base64","timestamp":4000,"partition":2}
{"key":"b","value":"two\nlines\tand tab","timestamp":5000,"headers":{"n":"v"}}
{"key":"c","value":"plain","timestamp":6000,"partition":2}
{"value":"no key","timestamp":7000,"partition":1}
EOF
t "$APPEND" -b "$ADDR" -t j --partitions 3 --json <"$T/records.json" || fail "append -b --json failed"
[[ $(t "$TOPIC" -b "$ADDR" describe j --json) == *'"partitions":3'* ]] ||
  fail "--partitions 3 did not create j with 3 partitions"
# Compressed, acks=1, linger: still every record.
seq 1 1000 | t "$APPEND" -b "$ADDR" -t z -z gzip --acks 1 --linger-ms 5 --batch-bytes 64k ||
  fail "append -b -z gzip --acks 1 failed"
seq 1 1000 | cmp -s - <(t "$READ" -b "$ADDR" -t z) || fail "gzip records read back wrong"

# Keys land where local mode puts them.
t "$APPEND" -b "$ADDR" -t keys --partitions 4 -K '|' <"$T/keys" || fail "append -b -K failed"
t "$READ" -b "$ADDR" -t keys --format '%p %k\n' | sort >"$T/keys.broker"
cmp -s "$T/keys.local" "$T/keys.broker" || fail "keys are placed on other partitions than local mode's"

# --no-create and -p checks.
expect_exit 1 "topic 'absent' does not exist" "$APPEND" -b "$ADDR" -t absent --no-create
[[ $(t "$TOPIC" -b "$ADDR" list) != *absent* ]] || fail "--no-create created the topic"
expect_exit 1 "topic 'absent' does not exist" "$READ" -b "$ADDR" -t absent
expect_exit 1 "partition 5 does not exist" "$READ" -b "$ADDR" -t j -p 5

# -f: sees records appended later; -c ends it; SIGINT and SIGTERM end it with 0.
printf 'f1\nf2\n' | t "$APPEND" -b "$ADDR" -t f
"$READ" -b "$ADDR" -t f -f >"$T/follow.out" 2>"$T/follow.err" &
FPID=$!
PIDS+=("$FPID")
wait_lines() {
  for ((i = 0; i < 150; i++)); do
    [[ $(wc -l <"$T/follow.out") -ge $1 ]] && return 0
    sleep 0.1
  done
  fail "klog-read -f printed $(wc -l <"$T/follow.out") lines, not $1: $(cat "$T/follow.err")"
}
wait_lines 2
printf 'f3\nf4\n' | t "$APPEND" -b "$ADDR" -t f
wait_lines 4
kill -INT "$FPID"
rc=0
wait "$FPID" || rc=$?
FPID=""
[[ $rc == 0 ]] || fail "klog-read -f exited $rc after SIGINT"
[[ $(cat "$T/follow.out") == $'f1\nf2\nf3\nf4' ]] || fail "klog-read -f printed: $(cat "$T/follow.out")"
[[ $(t "$READ" -b "$ADDR" -t f -f -c 3) == $'f1\nf2\nf3' ]] || fail "-f -c 3 did not end after 3"
# -o end -f prints only what comes later; SIGTERM ends it with 0 too.
"$READ" -b "$ADDR" -t f -f -o end >"$T/follow.out" 2>"$T/follow.err" &
FPID=$!
PIDS+=("$FPID")
sleep 1  # let it reach the end before appending
printf 'f5\n' | t "$APPEND" -b "$ADDR" -t f
wait_lines 1
kill -TERM "$FPID"
rc=0
wait "$FPID" || rc=$?
FPID=""
[[ $rc == 0 && $(cat "$T/follow.out") == f5 ]] ||
  fail "klog-read -f -o end: exit $rc, printed: $(cat "$T/follow.out")"

# klog-topic through the admin API.
t "$TOPIC" -b "$ADDR" create adm --partitions 2 --config retention.ms=60000 || fail "create -b failed"
expect_exit 1 "topic 'adm' already exists" "$TOPIC" -b "$ADDR" create adm
t "$TOPIC" -b "$ADDR" create adm --if-not-exists || fail "create --if-not-exists of an existing topic failed"
t "$TOPIC" -b "$ADDR" list >"$T/list"
grep -qx adm "$T/list" && grep -qx j "$T/list" || fail "list -b: $(cat "$T/list")"
[[ $(sort "$T/list") == "$(cat "$T/list")" ]] || fail "list -b is not sorted"
t "$TOPIC" -b "$ADDR" describe adm >"$T/describe" || fail "describe -b failed"
want=$'Topic: adm\tPartitions: 2\tConfigs: retention.ms=60000
\tPartition: 0\tStartOffset: 0\tEndOffset: 0\tSegments: -\tBytes: -
\tPartition: 1\tStartOffset: 0\tEndOffset: 0\tSegments: -\tBytes: -'
[[ $(cat "$T/describe") == "$want" ]] || fail "describe -b adm printed: $(cat "$T/describe")"
t "$TOPIC" -b "$ADDR" alter adm --partitions 3 || fail "alter -b failed"
[[ $(t "$TOPIC" -b "$ADDR" describe adm) == *"Partitions: 3"* ]] || fail "alter -b did not add a partition"
expect_exit 1 "topic 'adm': .*3" "$TOPIC" -b "$ADDR" alter adm --partitions 2
expect_exit 1 "topic 'nope' does not exist" "$TOPIC" -b "$ADDR" alter nope --partitions 2
t "$TOPIC" -b "$ADDR" describe j --json >"$T/j.describe.broker" || fail "describe -b --json failed"
t "$TOPIC" -b "$ADDR" list --json | grep -qF '{"topic":"adm","partitions":3,"configs":{"retention.ms":"60000"}}' ||
  fail "list -b --json lacks adm with its config"
t "$TOPIC" -b "$ADDR" delete adm || fail "delete -b failed"
[[ $(t "$TOPIC" -b "$ADDR" list) != *adm* ]] || fail "adm still listed after delete -b"
expect_exit 1 "topic 'adm' does not exist" "$TOPIC" -b "$ADDR" delete adm
t "$TOPIC" -b "$ADDR" delete adm --if-exists || fail "delete --if-exists of a missing topic failed"

# Every read variant through the broker; compared with local mode below.
VARIANTS=(
  "t" "t -o -3" "t -o end" "t -o 99990 -c 5" "t --until 10" "t -c 7" "t -o 100005"
  "j" "j --json" "j -D \0" "j --format %t|%p|%o|%k|%s|%T|%h|%K|%S\n"
  "j -o @3500 --json" "j -o @1970-01-01T00:00:04Z --json" "j --until @4000 --json"
  "j -p 2 --json" "j -p 2 -p 0 -o -1 --json" "j -o 1 --json" "j -c 3 --json" "j -o @99999 --json"
  "keys --format %p:%o:%k=%s\n"
)
for i in "${!VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  set -- ${VARIANTS[i]}
  topic=$1
  shift
  t "$READ" -b "$ADDR" -t "$topic" "$@" >"$T/variant.$i.broker" 2>"$T/err" ||
    fail "klog-read -b -t ${VARIANTS[i]} failed: $(cat "$T/err")"
  [[ ! -s $T/err ]] || fail "klog-read -b -t ${VARIANTS[i]} wrote to stderr: $(cat "$T/err")"
done
[[ -s $T/variant.9.broker && ! -s $T/variant.2.broker ]] || fail "variant outputs look wrong"

broker_stop

# --- Broker stopped: local mode on the same directory ----------------------
for i in "${!VARIANTS[@]}"; do
  # shellcheck disable=SC2086
  set -- ${VARIANTS[i]}
  topic=$1
  shift
  t "$READ" -d "$D" -t "$topic" "$@" >"$T/variant.$i.local" || fail "local klog-read -t ${VARIANTS[i]} failed"
  cmp -s "$T/variant.$i.local" "$T/variant.$i.broker" ||
    fail "klog-read -t ${VARIANTS[i]}: broker mode output differs from local mode:
$(diff <(od -c "$T/variant.$i.local") <(od -c "$T/variant.$i.broker") | head -n 10)"
done
# describe: the same but for what only the disk knows.
t "$TOPIC" -d "$D" describe j --json | sed -E 's/,"segments":[0-9]+,"bytes":[0-9]+//g' >"$T/j.describe.local"
cmp -s "$T/j.describe.local" "$T/j.describe.broker" ||
  fail "describe --json differs: local $(cat "$T/j.describe.local") broker $(cat "$T/j.describe.broker")"
echo "broker_mode: ok"
