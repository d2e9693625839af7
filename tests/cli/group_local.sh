#!/usr/bin/env bash
# Consumer groups on a data directory (no broker): three `klog-read --group`
# members split a 6-partition topic two partitions each; after one is killed
# with SIGKILL its partitions move to the others; every record is printed at
# least once and duplicates come only from the killed member's uncommitted
# window; SIGTERM commits and exits 0; a new member resumes at the committed
# offsets; klog-group describe, reset (dry run, --execute, refusal while a
# member is alive) and delete. Then slow readers: a member whose stdout is a
# pipe nobody reads keeps only its share and the others read the rest;
# SIGTERM ends it at once, having committed exactly what reached the pipe;
# a member joining while another works through a backlog for a slow reader
# gets its share and prints before that backlog is done.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# pids: the members of the current step (the test empties it between steps);
# those still running at exit are killed.
pids=()
kill_members() {
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
on_exit kill_members
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read
G=$B/klog-group

# wait_for SECONDS WHAT CMD...: retries CMD every 0.1 s; fails after SECONDS.
wait_for() {
  local secs=$1 what=$2 end=$((SECONDS + $1 + 1))
  shift 2
  while ((SECONDS < end)); do
    "$@" && return 0
    sleep 0.1
  done
  fail "$what (not within $secs s)"
}

# owners_are "PID:N PID:N ..." [GROUP]: the lease owners of the 6 partitions
# (of GROUP, default g), as counts per pid, sorted by pid (free partitions
# count as pid 0).
owners() {
  "$G" describe "${1:-g}" --json 2>/dev/null | python3 -c '
import json, sys, collections
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
c = collections.Counter(p["owner"] or "0" for p in d["partitions"])
print(" ".join("%s:%d" % (k, v) for k, v in sorted(c.items(), key=lambda kv: int(kv[0]))))'
}
owners_are() { [[ $(owners "${2:-g}") == "$1" ]]; }
# spread "PID PID ...": "PID:N ..." with N partitions each, sorted by pid.
spread() {
  local n=$1 p
  shift
  for p in $(printf '%s\n' "$@" | sort -n); do printf '%s:%d ' "$p" "$n"; done | sed 's/ $//'
}
# exits_within SECONDS PID: waits for PID (a child) to exit; its status in $rc.
exits_within() {
  local end=$((SECONDS + $1 + 1))
  while ((SECONDS < end)); do
    if ! kill -0 "$2" 2>/dev/null; then
      rc=0
      wait "$2" || rc=$?
      return 0
    fi
    sleep 0.1
  done
  fail "pid $2 did not exit within $1 s"
}
has_lines() { [[ -s $1 ]]; }
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

# --- Slow readers. Records print as "PARTITION OFFSET" here.
fmt='%p %o\n'
keyed() { seq "$1" | awk '{ print "k" $1 ":" $1 }' | "$A" -t "$2" -K : ; }
# complete_lines IN OUT: the newline-terminated lines of IN (a member ended
# by a signal may leave its last record cut short: that one is not committed).
complete_lines() { python3 -c 'import sys; d = open(sys.argv[1], "rb").read(); open(sys.argv[2], "wb").write(d[:d.rfind(b"\n") + 1])' "$1" "$2"; }
all_printed() { [[ $(cat "$@" | sort -u | wc -l) -eq $total ]]; }
# few_dups_from ONLY FILE...: at most 6 lines of FILEs occur twice (one record
# cut short per partition given up), all of them printed by ONLY.
few_dups_from() {
  local only=$1
  shift
  sort "$@" | uniq -d >"$T/dups"
  [[ $(wc -l <"$T/dups") -le 6 ]] || fail "$(wc -l <"$T/dups") records printed twice"
  [[ -z $(sort -u "$only" | comm -13 - "$T/dups") ]] || fail "a record printed twice, neither time by $only"
}

# (a) A member whose stdout is a pipe nobody reads: its first write fills the
# pipe and blocks. The two others still get their share and print.
"$B/klog-topic" create s --partitions 6
total=300000
keyed $total s
mkfifo "$T/fifo"
"$R" -t s -g slow --format "$fmt" >"$T/fifo" 2>"$T/err.stuck" &
stuck=$!
pids+=("$stuck")
exec 7<"$T/fifo"  # open for reading, never read until the end
unread() { python3 -c 'import array, fcntl, termios; b = array.array("i", [0]); fcntl.ioctl(0, termios.FIONREAD, b); print(b[0])' <&7; }
pipe_has_data() { [[ $(unread) -gt 0 ]]; }
wait_for 30 "a lone member owns all partitions of s" owners_are "$stuck:6" slow
wait_for 10 "the lone member writes into the pipe" pipe_has_data
others=()
for i in 1 2; do
  "$R" -t s -g slow --format "$fmt" >"$T/slow.$i" 2>"$T/err.slow.$i" &
  others+=($!)
  pids+=($!)
done
wait_for 30 "the blocked member keeps only its share" \
  owners_are "$(spread 2 "$stuck" "${others[@]}")" slow
wait_for 30 "the first member not blocked prints" has_lines "$T/slow.1"
wait_for 30 "the second member not blocked prints" has_lines "$T/slow.2"

# (b) SIGTERM ends the blocked member at once, exit 0, and what it committed
# is exactly what reached the pipe. The others are stopped meanwhile (they
# keep their leases) so that nothing else commits or moves.
kill -STOP "${others[@]}"
kept=$("$G" describe slow --json | python3 -c '
import json, sys
print(" ".join(str(p["partition"]) for p in json.load(sys.stdin)["partitions"] if p["owner"] == sys.argv[1]))' "$stuck")
kill -TERM "$stuck"
exits_within 10 "$stuck"
[[ $rc -eq 0 ]] || fail "the blocked member exited $rc after SIGTERM, not 0"
cat <&7 >"$T/stuck.raw"
exec 7<&-
complete_lines "$T/stuck.raw" "$T/stuck.out"
python3 - "$T/stuck.out" "$T/data/__groups/slow/offsets.json" "$kept" <<'PY' || fail "the blocked member's commits differ from what it wrote"
import json, sys
lines = open(sys.argv[1]).read().split()
printed = {}
for p, o in zip(lines[0::2], lines[1::2]):
    printed.setdefault(int(p), []).append(int(o))
committed = {e["partition"]: e["offset"] for e in json.load(open(sys.argv[2]))["offsets"]}
kept = [int(p) for p in sys.argv[3].split()]
for p in kept:
    got = printed.get(p, [])
    if got != list(range(committed.get(p, 0))):
        sys.exit(f"partition {p}: {len(got)} records written, committed offset {committed.get(p)}")
if not any(printed.get(p) for p in kept):
    sys.exit("nothing of its own partitions reached the pipe: the test proves nothing")
PY
kill -CONT "${others[@]}"
wait_for 30 "every record of s is printed" all_printed "$T/stuck.out" "$T/slow.1" "$T/slow.2"
few_dups_from "$T/stuck.out" "$T/stuck.out" "$T/slow.1" "$T/slow.2"
for p in "${others[@]}"; do kill -TERM "$p"; done
for p in "${others[@]}"; do
  exits_within 10 "$p"
  [[ $rc -eq 0 ]] || fail "member $p exited $rc after SIGTERM"
done

# (c) A member joining while another works through a backlog for a slow
# reader gets its share and prints before that backlog is done. The reader
# takes 4 KiB every 0.1 s until $T/go exists (the first member's share alone
# would take it over 20 s), then all it can.
"$B/klog-topic" create c --partitions 6
total=200000
keyed $total c
cat >"$T/slow.py" <<'PY'
import os, sys, time
go, path = sys.argv[1], sys.argv[2]
with open(path, "wb") as f:
    while True:
        fast = os.path.exists(go)
        b = os.read(0, 1 << 16 if fast else 4096)
        if not b:
            break
        f.write(b)
        f.flush()
        if not fast:
            time.sleep(0.1)
PY
mkfifo "$T/fifo.c"
python3 "$T/slow.py" "$T/go" "$T/c.first" <"$T/fifo.c" &
reader=$!
"$R" -t c -g join --until-end --format "$fmt" >"$T/fifo.c" 2>"$T/err.c.first" &
first=$!
pids+=("$reader" "$first")
wait_for 10 "the first member owns all partitions of c" owners_are "$first:6" join
wait_for 10 "the slow reader gets records" has_lines "$T/c.first"
"$R" -t c -g join --until-end --format "$fmt" >"$T/c.second" 2>"$T/err.c.second" &
second=$!
pids+=("$second")
wait_for 30 "the joining member prints records" has_lines "$T/c.second"
kill -0 "$first" 2>/dev/null || fail "the first member was done before the second printed anything"
touch "$T/go"
for p in "$first" "$second"; do
  exits_within 60 "$p"
  [[ $rc -eq 0 ]] || fail "member $p exited $rc at the end of c"
done
wait "$reader"
second_parts=$(cut -d' ' -f1 "$T/c.second" | sort -u | wc -l)
[[ $second_parts -eq 3 ]] || fail "the joining member read $second_parts partitions, not its share of 3"
all_printed "$T/c.first" "$T/c.second" || fail "some records of c were never printed"
few_dups_from "$T/c.first" "$T/c.first" "$T/c.second"
for f in "$T"/err.stuck "$T"/err.slow.* "$T"/err.c.*; do
  [[ ! -s $f ]] || fail "$f: $(cat "$f")"
done
echo "group_local: ok"
