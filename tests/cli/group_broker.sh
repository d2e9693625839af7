#!/usr/bin/env bash
# klog-read --group through klog-serve (-b, librdkafka's subscribe and the
# broker's group coordinator): two members split a 4-partition topic; records
# appended later reach both; SIGTERM makes a member commit, leave and exit 0,
# and the other takes its partitions over; every record is printed; a new
# member after all stopped prints nothing old (it starts at the committed
# offsets); -o other than beginning/end is a usage error with --group -b;
# cooperative-sticky assignment (incremental rebalance) splits and hands over
# the same way; klog-group -b list, describe (lag), reset (dry run,
# --execute) and delete.
# Usage: group_broker.sh BUILD_DIR [SOURCE_DIR]. Exit 0 = pass.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
# fail shows the members' stderr too (after the broker's log).
members_stderr() {
  local f
  for f in "$T"/err.*; do [[ -s $f ]] && sed "s|^|  ${f##*/}: |" "$f"; done
  return 0
}
on_fail members_stderr
R=$B/klog-read A=$B/klog-append
D=$T/data

# wait_for SECONDS WHAT CMD...: retries CMD every 0.2 s; fails after SECONDS.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  fail "$what (not within $secs s)"
}
printed_is() { [[ $(cat "$T"/out.* | sort -u | wc -l) -eq $1 ]]; }
append() { seq "$1" "$2" | awk '{ print "k" $1 ":" $1 }' | timeout 60 "$A" -b "$ADDR" -t t -K : ; }

rc=0
timeout 20 "$R" -b 127.0.0.1:1 -t t -g g -o 5 2>"$T/err" || rc=$?
[[ $rc -eq 2 ]] || fail "--group -b with -o 5 exits $rc, not 2"

"$B/klog-topic" -d "$D" create t --partitions 4
seq 1 20000 | awk '{ print "k" $1 ":" $1 }' | "$A" -d "$D" -t t -K :
broker_start -d "$D"

for i in 1 2; do
  "$R" -b "$ADDR" -t t -g gb --commit-interval 200 >"$T/out.$i" 2>"$T/err.$i" &
  PIDS+=($!)
done
m1=${PIDS[0]} m2=${PIDS[1]}
wait_for 30 "the first 20000 records are printed" printed_is 20000
# Both members own partitions: keyed records appended now reach both.
sleep 3  # let a rebalance triggered by the second join settle
s1=$(wc -l <"$T/out.1") s2=$(wc -l <"$T/out.2")
append 20001 24000
wait_for 20 "all 24000 records are printed" printed_is 24000
(($(wc -l <"$T/out.1") > s1 && $(wc -l <"$T/out.2") > s2)) ||
  fail "new records did not reach both members (the partitions are not split)"

kill -TERM "$m1"
rc=0
wait "$m1" || rc=$?
[[ $rc -eq 0 ]] || fail "member 1 exited $rc after SIGTERM"
append 24001 26000
wait_for 20 "member 2 takes member 1's partitions over" printed_is 26000
kill -TERM "$m2"
rc=0
wait "$m2" || rc=$?
[[ $rc -eq 0 ]] || fail "member 2 exited $rc after SIGTERM"
seq 1 26000 | sort | cmp -s - <(cat "$T"/out.* | sort -u) || fail "some records were never printed"
echo "group_broker: $(cat "$T"/out.* | sort | uniq -d | wc -l) duplicate(s)"

out=$(timeout 60 "$R" -b "$ADDR" -t t -g gb --until-end | wc -l)
[[ $out -eq 0 ]] || fail "a new member printed $out old record(s)"

# klog-group -b: describe, reset (dry run, --execute), delete.
G="timeout 60 $B/klog-group -b $ADDR"
$G list | grep -qx gb || fail "klog-group -b list does not show gb"
$G describe gb >"$T/describe" || fail "klog-group -b describe failed"
grep -qx 'total lag: 0' "$T/describe" || fail "describe -b does not show lag 0: $(cat "$T/describe")"
grep -qx 'members: 0' "$T/describe" || fail "describe -b shows members after all stopped"
$G reset gb -t t --shift-by -10 >/dev/null 2>&1
grep -qx 'total lag: 0' <($G describe gb) || fail "the reset dry run changed the offsets"
$G reset gb -t t --shift-by -10 --execute >/dev/null
grep -qx 'total lag: 40' <($G describe gb) || fail "reset -b --shift-by -10 on 4 partitions is not lag 40"
out=$(timeout 60 "$R" -b "$ADDR" -t t -g gb --until-end | wc -l)
[[ $out -eq 40 ]] || fail "after reset -b --shift-by -10 a member printed $out records, not 40"
$G delete gb || fail "klog-group -b delete failed"
$G list | grep -qx gb && fail "gb is still listed after delete"
# cooperative-sticky (incremental rebalancing): a second member joins a
# running one, both get keyed records appended afterwards, SIGTERM is clean
# and every record is printed.
CS=(-X partition.assignment.strategy=cooperative-sticky)
"$R" -b "$ADDR" -t t -g gc "${CS[@]}" --commit-interval 200 >"$T/out.c1" 2>"$T/err.c1" &
PIDS+=($!)
c1=$!
coop_printed_is() { [[ $(cat "$T"/out.c* | sort -u | wc -l) -eq $1 ]]; }
wait_for 30 "cooperative member 1 prints the first 26000 records" coop_printed_is 26000
"$R" -b "$ADDR" -t t -g gc "${CS[@]}" --commit-interval 200 >"$T/out.c2" 2>"$T/err.c2" &
PIDS+=($!)
c2=$!
sleep 3  # the incremental rebalance hands some partitions to member 2
n1=$(wc -l <"$T/out.c1")
append 26001 30000
wait_for 20 "cooperative members print all 30000 records" coop_printed_is 30000
(($(wc -l <"$T/out.c1") > n1 && $(wc -l <"$T/out.c2") > 0)) ||
  fail "cooperative-sticky: new records did not reach both members"
for m in "$c1" "$c2"; do
  kill -TERM "$m"
  rc=0
  wait "$m" || rc=$?
  [[ $rc -eq 0 ]] || fail "cooperative member exited $rc after SIGTERM"
done
seq 1 30000 | sort | cmp -s - <(cat "$T"/out.c* | sort -u) || fail "cooperative: records missing"
grep -qx 'total lag: 0' <(timeout 60 "$B/klog-group" -b "$ADDR" describe gc) ||
  fail "cooperative: committed offsets are not at the log end"
echo "group_broker: ok"
