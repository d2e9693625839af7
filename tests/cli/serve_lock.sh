#!/usr/bin/env bash
# One writer per data directory (klog-serve(1); <dir>/klog.lock in
# klog-format(5)): a second klog-serve on a served directory exits 1 naming
# the first's pid; local writers (klog-append -d, klog-topic create, delete,
# alter, enforce-retention, truncate-before, compact) are refused on every
# partition, naming the broker's pid and pointing to -b, while readers
# (klog-read -d, klog-dump, klog-topic list/describe) keep working; a running
# local klog-append keeps klog-serve from starting, naming its pid; after the
# broker ends (SIGTERM, and kill -9) local writers work again. Only 127.0.0.1
# is used; every process started is killed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
S=$B/klog-serve
K=$B/klog-topic
A=$B/klog-append
R=$B/klog-read
D=$T/data

# gone PID: waits (at most 10 s) until the process has exited.
gone() {
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  fail "pid $1 still running"
}

# refused WHAT CMD...: CMD must exit 1 saying the directory is served by $PID
# and pointing to -b.
refused() {
  local what=$1 rc=0
  shift
  "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc == 1 ]] || fail "$what: exit $rc, not 1 ($(cat "$T/err"))"
  grep -q "data directory $D is served by pid $PID (klog-serve).* -b HOST:PORT" "$T/err" ||
    fail "$what: message does not name the broker and -b: $(cat "$T/err")"
}

"$K" -d "$D" create t --partitions 3
"$K" -d "$D" create c --config cleanup.policy=compact
echo a | "$A" -d "$D" -t t -p 0
broker_start -d "$D"

# A second broker on the same directory refuses to start (bounded: on a
# build without the lock it would serve until killed).
rc=0
timeout 20 "$S" -d "$D" --listen 127.0.0.1:0 >"$T/out2" 2>"$T/err2" || rc=$?
[[ $rc == 1 ]] || fail "second klog-serve: exit $rc, not 1 ($(cat "$T/err2"))"
grep -q "^klog-serve: data directory $D is served by pid $PID (klog-serve)$" "$T/err2" ||
  fail "second klog-serve: message does not name pid $PID: $(cat "$T/err2")"
[[ ! -s $T/out2 ]] || fail "second klog-serve printed an address"
[[ $(cat "$D/klog.lock") == "pid $PID klog-serve" ]] || fail "lock file: $(cat "$D/klog.lock")"

# Local writers are refused on every partition, touched by the broker or not,
# and on a topic that does not exist yet.
echo b | "$A" -b "$ADDR" -t t -p 0 || fail "klog-append -b failed"
for p in 0 1 2; do
  refused "klog-append -p $p" "$A" -d "$D" -t t -p "$p"
done
refused "klog-append new topic" "$A" -d "$D" -t fresh
[[ ! -e $D/fresh.topic.json ]] || fail "refused klog-append created its topic"
refused "klog-topic create" "$K" -d "$D" create u
[[ ! -e $D/u.topic.json ]] || fail "refused klog-topic create created the topic"
refused "klog-topic delete" "$K" -d "$D" delete t
[[ -e $D/t.topic.json && -d $D/t-0 ]] || fail "refused klog-topic delete removed the topic"
refused "klog-topic alter --partitions" "$K" -d "$D" alter t --partitions 4
refused "klog-topic alter --config" "$K" -d "$D" alter t --config retention.ms=1
refused "klog-topic enforce-retention" "$K" -d "$D" enforce-retention
refused "klog-topic truncate-before" "$K" -d "$D" truncate-before t -p 0 --offset 1
refused "klog-topic compact" "$K" -d "$D" compact c

# Readers work.
[[ $("$R" -d "$D" -t t -p 0 | tr '\n' ' ') == "a b " ]] || fail "klog-read -d: $("$R" -d "$D" -t t -p 0)"
"$K" -d "$D" describe t >/dev/null || fail "klog-topic describe"
[[ $("$K" -d "$D" list | tr '\n' ' ') == "c t " ]] || fail "klog-topic list"
"$B/klog-dump" --verify "$D/t-0" >/dev/null || fail "klog-dump --verify"

# SIGTERM: the lock is released (and the file emptied); local writers work.
broker_stop
[[ ! -s $D/klog.lock ]] || fail "lock file not emptied: $(cat "$D/klog.lock")"
echo c | "$A" -d "$D" -t t -p 1 || fail "klog-append -d after SIGTERM"
"$K" -d "$D" create u || fail "klog-topic create after SIGTERM"

# kill -9: the kernel drops the lock; the stale pid in the file does not matter.
broker_restart
KILLED=$PID
broker_kill
gone "$KILLED"
echo d | "$A" -d "$D" -t t -p 2 || fail "klog-append -d after kill -9"
"$K" -d "$D" delete u || fail "klog-topic delete after kill -9"
[[ $("$R" -d "$D" -t t | sort | tr '\n' ' ') == "a b c d " ]] || fail "records: $("$R" -d "$D" -t t)"

# While a local klog-append runs, klog-serve refuses to start, naming it.
mkfifo "$T/in"
exec 3<>"$T/in"
"$A" -d "$D" -t t -p 1 <"$T/in" 3>&- 2>"$T/aerr" &
APID=$!
PIDS+=("$APID")
echo e >&3
for ((i = 0; i < 100; i++)); do
  "$R" -d "$D" -t t -p 1 | grep -q '^e$' && break
  sleep 0.1
done
"$R" -d "$D" -t t -p 1 | grep -q '^e$' || fail "klog-append from the fifo appended nothing"
rc=0
timeout 20 "$S" -d "$D" --listen 127.0.0.1:0 >"$T/out2" 2>"$T/err2" || rc=$?
[[ $rc == 1 ]] || fail "klog-serve beside klog-append: exit $rc, not 1 ($(cat "$T/err2"))"
grep -q "^klog-serve: data directory $D is being written by pid $APID (klog-append)$" "$T/err2" ||
  fail "klog-serve beside klog-append: message does not name pid $APID: $(cat "$T/err2")"
# Other local writers run beside it.
echo f | "$A" -d "$D" -t t -p 2 || fail "a second local klog-append was refused"
exec 3>&-
rc=0
wait "$APID" || rc=$?
[[ $rc == 0 ]] || fail "klog-append from the fifo exited $rc: $(cat "$T/aerr")"
broker_restart
broker_stop
echo "serve_lock: ok"
