#!/usr/bin/env bash
# Failures users hit: unknown topic, --no-create, bad topic names (nothing
# created outside the data dir), a second writer on a locked partition,
# oversize records, and a reader whose pipe closes early.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read

mkdir -p "$KLOG_DIR"
run "$R" -t nosuch
[[ $rc == 1 ]] || fail "unknown topic: exit $rc"
grep -qx "klog-read: topic 'nosuch' does not exist" "$T/err" || fail "unknown topic: $(cat "$T/err")"
[[ ! -s $T/out ]] || fail "unknown topic wrote stdout"

echo x >"$T/x"
run "$A" -t fresh --no-create <"$T/x"
[[ $rc == 1 ]] && grep -q "^klog-append: .*'fresh'.*does not exist" "$T/err" || fail "--no-create: $rc $(cat "$T/err")"
[[ -z $(ls "$KLOG_DIR") ]] || fail "--no-create created something: $(ls "$KLOG_DIR")"

# Bad names: usage error, nothing created anywhere.
mkdir "$T/work"
for name in "../x" "a/b" "." ".." "" "sp ace" "$(printf 'x%.0s' $(seq 1 250))"; do
  for tool in "$A" "$R"; do
    rc=0
    (cd "$T/work" && "$tool" -t "$name" <"$T/x") >"$T/out" 2>"$T/err" || rc=$?
    [[ $rc == 1 || $rc == 2 ]] || fail "$tool -t '$name': exit $rc"
    grep -q "^klog-[a-z]*: .*topic" "$T/err" || fail "$tool -t '$name': $(cat "$T/err")"
  done
done
[[ -z $(ls "$KLOG_DIR") && -z $(ls "$T/work") ]] || fail "bad names created files"
[[ $(ls "$T") == "$(printf 'data\nerr\nout\nwork\nx')" ]] || fail "bad names escaped: $(ls "$T")"

# A second writer on a held partition names the holder's pid.
mkfifo "$T/fifo"
"$A" -t locked <"$T/fifo" 2>"$T/holder.err" &
holder=$!
PIDS+=("$holder")
exec 3>"$T/fifo"
echo first >&3
for i in $(seq 1 100); do
  [[ $("$R" -t locked 2>/dev/null) == first ]] && break
  sleep 0.05
done
run "$A" -t locked <"$T/x"
[[ $rc == 1 ]] || fail "second writer: exit $rc"
grep -q "^klog-append: .*$holder" "$T/err" || fail "second writer: no pid $holder in '$(cat "$T/err")'"
exec 3>&-
wait "$holder" || fail "holder failed: $(cat "$T/holder.err")"
[[ $("$R" -t locked) == first ]] || fail "lock contention damaged the log"
echo second | "$A" -t locked || fail "lock not released"

# Oversize record: named by line, others appended, exit 1.
{ echo small; head -c 5000 /dev/zero | tr '\0' a; echo; echo after; } >"$T/big"
run "$A" -t sized --batch-bytes 4k <"$T/big"
[[ $rc == 1 ]] && grep -q "^klog-append: line 2: .*larger" "$T/err" || fail "oversize: $rc $(cat "$T/err")"
[[ $("$R" -t sized | tr '\n' ' ') == "small after " ]] || fail "oversize: others not appended"
"$B/klog-topic" create capped --config max.message.bytes=2000
{ echo ok; head -c 3000 /dev/zero | tr '\0' b; echo; } >"$T/big2"
run "$A" -t capped <"$T/big2"
[[ $rc == 1 ]] && grep -q "line 2" "$T/err" || fail "max.message.bytes: $rc $(cat "$T/err")"

# A closed pipe ends the reader quietly with status 0.
seq 1 200000 | "$A" -t many
set +o pipefail
"$R" -t many 2>"$T/err" | head -1 >"$T/out"
st=${PIPESTATUS[0]}
set -o pipefail
[[ $st == 0 ]] || fail "reader into head: exit $st"
[[ $(cat "$T/out") == 1 ]] || fail "head output"
[[ ! -s $T/err ]] || fail "reader into head wrote stderr: $(cat "$T/err")"

# A write error on stdout is reported (exit 1), never silent success.
if [[ -w /dev/full ]]; then
  run "$R" -t many
  rc=0
  "$R" -t many >/dev/full 2>"$T/err" || rc=$?
  [[ $rc == 1 ]] && grep -q "^klog-read: .*No space" "$T/err" || fail "/dev/full: $rc $(cat "$T/err")"
fi
echo ok
