#!/usr/bin/env bash
# klog-append on a data directory whose append fails midway says how many
# records it appended and the first input line that is not in the log, so
# the input can be resumed from there (it said only "N records not appended",
# of one batch, while every later line was silently dropped). Checked
# against what klog-read finds, for a full disk (a small tmpfs: needs root,
# skipped otherwise), one partition and three, and for a partition whose
# writer lock another klog-append holds (no root needed), where other
# partitions' batches of later lines are already in the log.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
M=$T/mnt
unmount() { if mountpoint -q "$M" 2>/dev/null; then umount "$M"; fi; }
on_exit unmount
A=$B/klog-append
R=$B/klog-read

# account DIR TOPIC ERRFILE: the summary in ERRFILE must match the log: every
# input line (value "record-<line>") before the first line it names is
# stored, that line is not, exactly the number of later lines it names are,
# and the total is the number of records it says were appended.
account() {
  local dir=$1 topic=$2 err=$3 line n first later
  line=$(grep -E '^klog-append: [0-9]+ records appended' "$err") ||
    fail "$topic: no summary: $(cat "$err")"
  if [[ $line =~ ^klog-append:\ ([0-9]+)\ records\ appended\;\ input\ line\ ([0-9]+)\ and\ after\ were\ not$ ]]; then
    n=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]} later=0
  elif [[ $line =~ ^klog-append:\ ([0-9]+)\ records\ appended:\ every\ record\ before\ input\ line\ ([0-9]+),\ and\ ([0-9]+)\ of\ later\ lines\ \(other\ partitions\)\;\ the\ other\ records\ from\ input\ line\ ([0-9]+)\ on\ were\ not$ ]]; then
    n=${BASH_REMATCH[1]} first=${BASH_REMATCH[2]} later=${BASH_REMATCH[3]}
    [[ ${BASH_REMATCH[4]} == "$first" ]] || fail "$topic: two first lines in '$line'"
  else
    fail "$topic: summary not understood: $line"
  fi
  "$R" -d "$dir" -t "$topic" | sed 's/^record-0*//' | grep -v '^$' | sort -n >"$T/stored"
  local got before at after
  got=$(wc -l <"$T/stored")
  before=$(awk -v f="$first" '$1 < f' "$T/stored" | sort -un | wc -l)
  at=$(awk -v f="$first" '$1 == f' "$T/stored" | wc -l)
  after=$(awk -v f="$first" '$1 > f' "$T/stored" | wc -l)
  [[ $got == "$n" ]] || fail "$topic: summary says $n records appended, the log has $got"
  [[ $before == $((first - 1)) ]] || fail "$topic: $before of the $((first - 1)) lines before line $first stored"
  [[ $at == 0 ]] || fail "$topic: line $first is in the log"
  [[ $after == "$later" ]] || fail "$topic: $after records of lines after $first stored, summary says $later"
  echo "$topic: $n records appended, first line not: $first, later lines stored: $later"
}

seq -f 'record-%08g' 1 300000 >"$T/in"
seq -f 'record-%08g' 1 300000 | awk '{ print $0 ":" $0 }' >"$T/keyed"

# A partition locked by another writer (it holds one record, line 0, which
# the account leaves out): batches of other partitions holding later lines
# are appended before partition 1's fails.
D=$T/data
"$B/klog-topic" -d "$D" create locked --partitions 3
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
"$A" -d "$D" -t locked -p 1 <"$T/fifo" 3>&- &
HOLDER=$!
PIDS+=("$HOLDER")
echo record-00000000 >&3
for ((i = 0; i < 100; i++)); do
  "$R" -d "$D" -t locked -p 1 | grep -q . && break
  sleep 0.1
done
"$R" -d "$D" -t locked -p 1 | grep -q . || fail "the lock holder appended nothing"
rc=0
head -n 3000 "$T/keyed" | "$A" -d "$D" -t locked -K: 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "locked: exit $rc"
grep -q "^klog-append: .*locked-1 is locked by pid $HOLDER (klog-append)" "$T/err" ||
  fail "locked: cause not said: $(cat "$T/err")"
exec 3>&-
wait "$HOLDER" || fail "the lock holder failed"
account "$D" locked "$T/err"

# A full disk.
mkdir "$M"
if ! mount -t tmpfs -o size=2m tmpfs "$M" 2>/dev/null; then
  echo "append_full: disk-full cases skipped (mounting a tmpfs is not permitted here)"
  echo "append_full: ok"
  exit 0
fi
rc=0
"$A" -d "$M/one" -t full <"$T/in" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "full: exit $rc"
grep -q "^klog-append: .*No space left on device" "$T/err" || fail "full: cause not said: $(cat "$T/err")"
account "$M/one" full "$T/err"
rm -rf "$M/one"
"$B/klog-topic" -d "$M/three" create full --partitions 3
rc=0
"$A" -d "$M/three" -t full -K: <"$T/keyed" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "full, 3 partitions: exit $rc"
grep -q "^klog-append: .*No space left on device" "$T/err" || fail "full, 3 partitions: $(cat "$T/err")"
account "$M/three" full "$T/err"
echo "append_full: ok"
