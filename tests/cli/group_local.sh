#!/usr/bin/env bash
# Consumer groups on a data directory (no broker): three `klog-read --group`
# members split a 6-partition topic two partitions each; after one is killed
# with SIGKILL its partitions move to the others; every record is printed at
# least once and duplicates come only from the killed member's uncommitted
# window; SIGTERM commits and exits 0; a new member resumes at the committed
# offsets; klog-group describe, reset (dry run, --execute, refusal while a
# member is alive) and delete.
set -euo pipefail
B=$(cd "$1" && pwd)
T=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$T"
}
trap cleanup EXIT
export KLOG_DIR=$T/data
fail() { echo "FAIL: $*" >&2; exit 1; }
A=$B/klog-append
R=$B/klog-read
G=$B/klog-group

# wait_for SECONDS WHAT CMD...: retries CMD every 0.1 s; fails after SECONDS.
wait_for() {
  local secs=$1 what=$2 i
  shift 2
  for ((i = 0; i < secs * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  fail "$what (not within $secs s)"
}

# owners_are "PID:N PID:N ...": the lease owners of the 6 partitions, as
# counts per pid, sorted by pid (free partitions count as pid 0).
owners() {
  "$G" describe g --json 2>/dev/null | python3 -c '
import json, sys, collections
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
c = collections.Counter(p["owner"] or "0" for p in d["partitions"])
print(" ".join("%s:%d" % (k, v) for k, v in sorted(c.items(), key=lambda kv: int(kv[0]))))'
}
owners_are() { [[ $(owners) == "$1" ]]; }
printed() { cat "$T"/out.* | sort -u | wc -l; }
printed_is() { [[ $(printed) -eq $1 ]]; }
members_are() { [[ $("$G" describe g --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["members"]))') -eq $1 ]]; }

# Keyed records spread over the partitions (murmur2); values are 1..N.
append() { seq "$1" "$2" | awk '{ print "k" $1 ":" $1 }' | "$A" -t t -K : ; }

"$B/klog-topic" create t --partitions 6
append 1 30000

# Member 2 (killed later) starts alone and takes all six partitions; it
# commits only when it gives a partition up, so its kill leaves an
# uncommitted window (its last two partitions) that is printed again.
"$R" -t t -g g --commit-interval 600000 >"$T/out.2" 2>"$T/err.2" &
victim=$!
wait_for 5 "a lone member owns all partitions" owners_are "$victim:6"
for i in 1 3; do
  "$R" -t t -g g --commit-interval 200 >"$T/out.$i" 2>"$T/err.$i" &
  pids+=($!)
  [[ $i -eq 1 ]] && pids+=("$victim")
done
sorted=$(printf '%s\n' "${pids[@]}" | sort -n | tr '\n' ' ')
read -r p1 p2 p3 <<<"$sorted"
wait_for 10 "three members own two partitions each" owners_are "$p1:2 $p2:2 $p3:2"
wait_for 10 "the first 30000 records are printed" printed_is 30000

# SIGKILL one member: the kernel drops its leases; the others take them.
kill -9 "$victim"
wait "$victim" 2>/dev/null || true
read -r s1 s2 <<<"$(printf '%s\n' "${pids[0]}" "${pids[2]}" | sort -n | tr '\n' ' ')"
wait_for 5 "the killed member's partitions move to the others" owners_are "$s1:3 $s2:3"
append 30001 60000
wait_for 10 "all 60000 records are printed" printed_is 60000

for p in "${pids[0]}" "${pids[2]}"; do kill -TERM "$p"; done
for p in "${pids[0]}" "${pids[2]}"; do
  rc=0
  wait "$p" || rc=$?
  [[ $rc -eq 0 ]] || fail "member $p exited $rc after SIGTERM"
done
pids=()
for i in 1 3; do [[ ! -s $T/err.$i ]] || fail "member $i wrote to stderr: $(cat "$T/err.$i")"; done

# At least once: every value printed. Duplicates only of what the killed
# member had printed (its uncommitted window), printed once more by a survivor.
seq 1 60000 | sort >"$T/want"
cat "$T"/out.* | sort -u | diff -q - "$T/want" >/dev/null || fail "some records were never printed"
cat "$T"/out.* | sort | uniq -d >"$T/dups"
if [[ -s $T/dups ]]; then
  sort -u "$T/out.2" >"$T/victim"
  extra=$(comm -23 "$T/dups" "$T/victim" | wc -l)
  [[ $extra -eq 0 ]] || fail "$extra duplicate(s) not printed by the killed member"
  sort "$T/out.1" "$T/out.3" | uniq -d | grep -q . && fail "a surviving member printed a record twice"
fi
[[ -s $T/dups ]] || fail "the killed member's uncommitted records were not printed again"
echo "group_local: $(wc -l <"$T/dups") duplicate(s), all from the killed member's uncommitted window"

"$G" describe g | grep -qx 'total lag: 0' || fail "describe does not show total lag 0: $("$G" describe g)"
"$G" describe g | grep -qx 'members: 0' || fail "describe shows live members after all stopped"

# Resume: a new member starts at the committed offsets and prints nothing old.
out=$("$R" -t t -g g --until-end | wc -l)
[[ $out -eq 0 ]] || fail "a new member printed $out old record(s)"

# reset: the dry run changes nothing; --execute moves the offsets.
before=$(cat "$T/data/__groups/g/offsets.json")
plan=$("$G" reset g -t t --to-earliest 2>"$T/err")
grep -q 'add --execute' "$T/err" || fail "the dry run does not say so on stderr"
[[ $(grep -c ' -> 0$' <<<"$plan") -eq 6 ]] || fail "reset plan is not 6 lines ending '-> 0': $plan"
[[ $(cat "$T/data/__groups/g/offsets.json") == "$before" ]] || fail "the dry run changed the offsets"
"$G" reset g -t t --shift-by -10 --execute >/dev/null
"$G" describe g | grep -qx 'total lag: 60' || fail "shift by -10 on 6 partitions is not lag 60"
[[ $("$R" -t t -g g --until-end | wc -l) -eq 60 ]] || fail "after --shift-by -10 a member does not print 60 records"
"$G" reset g -t t --to-earliest --execute >/dev/null
[[ $("$R" -t t -g g --until-end | sort -u | wc -l) -eq 60000 ]] || fail "after --to-earliest a member does not print everything"

# reset and delete refuse while a member is alive.
"$R" -t t -g g >/dev/null &
pids=($!)
wait_for 5 "the new member shows up" members_are 1
rc=0
"$G" reset g -t t --to-earliest --execute >/dev/null 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] || fail "reset with a live member exits $rc, not 1"
grep -q "^klog-group: group 'g' has 1 live member" "$T/err" || fail "reset refusal message: $(cat "$T/err")"
rc=0
"$G" delete g 2>"$T/err" || rc=$?
[[ $rc -eq 1 ]] || fail "delete with a live member exits $rc, not 1"
kill -TERM "${pids[0]}"
wait "${pids[0]}" || fail "the member did not exit 0 on SIGTERM"
pids=()
"$G" delete g
[[ -z $("$G" list) ]] || fail "the group is still listed after delete"
rc=0
"$G" describe g 2>/dev/null || rc=$?
[[ $rc -eq 1 ]] || fail "describe of a deleted group exits $rc, not 1"
echo "group_local: ok"
