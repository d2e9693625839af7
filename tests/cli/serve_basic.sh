#!/usr/bin/env bash
# klog-serve end to end with kcat (librdkafka): the ephemeral address on
# stdout, `kcat -L` listing the broker and a topic made with klog-topic,
# auto-creation of a requested topic (and --no-auto-create refusing it),
# settings from --config, SIGTERM ending with exit 0, --help/--version, and
# bad flags exiting 2. Only 127.0.0.1 is used; every broker started is killed
# on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
S=$B/klog-serve
K=$B/klog-topic
command -v kcat >/dev/null || fail "kcat is not installed (make deps installs it)"

# The broker prints its bound port (not 0) on stdout and exits 0 within 5 s
# of SIGTERM or SIGINT (broker_stop 5).
kcat_list() { timeout 20 kcat -b "$ADDR" -m 10 -L "$@" 2>"$T/kcat.err"; }

D=$T/data
"$K" -d "$D" create orders --partitions 3
broker_start -d "$D"
kcat_list >"$T/meta" || fail "kcat -L failed: $(cat "$T/kcat.err")"
grep -q "broker 0 at $ADDR" "$T/meta" || fail "kcat -L does not list broker 0 at $ADDR: $(cat "$T/meta")"
grep -q 'topic "orders" with 3 partitions' "$T/meta" || fail "orders missing: $(cat "$T/meta")"
grep -q 'partition 2, leader 0, replicas: 0, isrs: 0' "$T/meta" || fail "partition 2: $(cat "$T/meta")"

# A requested topic that does not exist is created with --default-partitions (1).
kcat_list -t newtopic >"$T/meta" || fail "kcat -L -t newtopic failed: $(cat "$T/kcat.err")"
grep -q 'topic "newtopic" with 1 partitions' "$T/meta" || fail "newtopic: $(cat "$T/meta")"
[[ $("$K" -d "$D" list) == $'newtopic\norders' ]] || fail "klog-topic list: $("$K" -d "$D" list)"
grep -q "created topic 'newtopic'" "$T/log" || fail "no log line for the auto-created topic"
broker_stop 5

# --no-auto-create and a different node id; an invalid name is refused either way.
broker_start -d "$D" --no-auto-create --node-id 7
kcat_list -t absent >"$T/meta" 2>&1 || true
grep -q 'broker 7 at' "$T/meta" || fail "--node-id 7: $(cat "$T/meta")"
grep -qi 'unknown topic' "$T/meta" || fail "--no-auto-create: absent not reported unknown: $(cat "$T/meta")"
[[ ! -e $D/absent.topic.json && ! -d $D/absent-0 ]] || fail "--no-auto-create created the topic"
broker_stop 5

# Settings from --config; flags win over the file.
cat >"$T/serve.conf" <<CONF
# comment
log.dir = $T/fromfile
node.id=3
num.partitions=4
CONF
broker_start --config "$T/serve.conf" --node-id 5
kcat_list -t auto4 >"$T/meta" || fail "kcat with --config: $(cat "$T/kcat.err")"
grep -q 'broker 5 at' "$T/meta" || fail "--node-id did not win over node.id: $(cat "$T/meta")"
grep -q 'topic "auto4" with 4 partitions' "$T/meta" || fail "num.partitions: $(cat "$T/meta")"
[[ -f $T/fromfile/auto4.topic.json ]] || fail "log.dir from the config file not used"
broker_stop 5

# $KLOG_DIR is the default data directory; SIGINT also ends it with 0.
KLOG_DIR=$D broker_start
kcat_list >"$T/meta" || fail "kcat with \$KLOG_DIR: $(cat "$T/kcat.err")"
grep -q 'topic "orders"' "$T/meta" || fail "\$KLOG_DIR not used: $(cat "$T/meta")"
broker_stop 5 INT

# Help, version, usage errors.
"$S" --help >"$T/out" 2>"$T/err" || fail "--help exit $?"
grep -q -- '--listen' "$T/out" && [[ ! -s $T/err ]] || fail "--help output"
[[ $("$S" --version) == "klog-serve 0.1.0" ]] || fail "--version: $("$S" --version)"
for bad in "--no-such-flag" "--listen nonsense" "--listen 127.0.0.1:70000" "--node-id -1" \
  "--log-level chatty" "--default-partitions 0" "--max-connections x" "extra"; do
  rc=0
  # shellcheck disable=SC2086
  "$S" -d "$D" $bad >"$T/out" 2>"$T/err" </dev/null || rc=$?
  [[ $rc == 2 ]] || fail "'$bad': exit $rc, not 2"
  grep -q "^klog-serve: " "$T/err" || fail "'$bad': no message on stderr"
  [[ ! -s $T/out ]] || fail "'$bad': wrote to stdout"
done
rc=0
"$S" --config "$T/no-such-file" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q "no-such-file" "$T/err" || fail "missing config file: exit $rc"
printf 'bogus.key=1\n' >"$T/bad.conf"
rc=0
"$S" --config "$T/bad.conf" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q "bogus.key" "$T/err" || fail "unknown config key: exit $rc"
# The port is taken (by a broker of another directory): exit 1 with a message.
broker_start -d "$D"
rc=0
timeout 10 "$S" -d "$T/other" --listen "$ADDR" >"$T/out" 2>"$T/err2" || rc=$?
[[ $rc == 1 ]] && grep -q "klog-serve: .*listen" "$T/err2" || fail "port in use: exit $rc $(cat "$T/err2")"
broker_stop 5
echo "serve_basic: ok"
