#!/usr/bin/env bash
# Crash safety as a user sees it: klog-append killed with SIGKILL in the middle
# of a stream leaves a log that reads back as an exact prefix of its input (no
# partial record, no gap), and the next writer continues at the next offset.
# A torn batch at the end of the active segment (what a power loss can leave)
# is invisible to readers and truncated, with a warning, by the next writer.
# --progress writes only to a terminal.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "crash: $*" >&2; exit 1; }
d=$tmp/data

# Checks that topic $1 reads back as 1..N with offset == value-1; prints N.
check_prefix() {
  "$bin/klog-read" -t "$1" -d "$d" --format '%o %s\n' |
    awk '$2 != NR || $1 != NR - 1 { print "record " NR ": " $0 > "/dev/stderr"; bad = 1; exit }
         END { if (bad) exit 1; print NR }'
}

# 1. SIGKILL while appending, at three different moments.
for round in 1 2 3; do
  topic=kill$round
  seq 1 20000000 | "$bin/klog-append" -t "$topic" -d "$d" --batch-bytes 64k --flush 5 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 1 200); do  # bounded: at most ~10 s
    size=$(stat -c %s "$d/$topic-0/00000000000000000000.log" 2>/dev/null || echo 0)
    (( size > round * 300000 )) && break
    sleep 0.05
  done
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  n=$(check_prefix "$topic") || fail "round $round: log after SIGKILL is not a prefix of the input"
  (( n > 0 )) || fail "round $round: nothing was appended before the kill"
  # The next writer recovers (maybe truncating a torn tail) and continues.
  seq $((n + 1)) $((n + 1000)) | "$bin/klog-append" -t "$topic" -d "$d" 2>"$tmp/err" ||
    fail "round $round: append after crash failed: $(cat "$tmp/err")"
  m=$(check_prefix "$topic") || fail "round $round: offsets not contiguous after restart"
  [[ $m == $((n + 1000)) ]] || fail "round $round: expected $((n + 1000)) records, read $m"
  "$bin/klog-dump" --verify "$d/$topic-0" >/dev/null || fail "round $round: klog-dump --verify"
done

# 2. A torn tail: cut the last batch in half, as a power loss can.
seq 1 1000 | "$bin/klog-append" -t torn -d "$d" --batch-bytes 4k
log=$d/torn-0/00000000000000000000.log
full=$(stat -c %s "$log")
truncate -s $((full - 100)) "$log"
n=$("$bin/klog-read" -t torn -d "$d" | wc -l)
(( n < 1000 && n > 0 )) || fail "reader should see only the whole batches before the tear, saw $n"
"$bin/klog-read" -t torn -d "$d" | cmp -s - <(seq 1 "$n") || fail "reader output before the tear"
seq $((n + 1)) 2000 | "$bin/klog-append" -t torn -d "$d" 2>"$tmp/err"
grep -q '^klog-append: .*torn' "$tmp/err" || fail "no torn-tail warning on stderr: $(cat "$tmp/err")"
[[ $(check_prefix torn) == 2000 ]] || fail "torn: offsets after recovery"

# 3. --progress: a line on a terminal, nothing when stderr is not one.
seq 1 1000 | "$bin/klog-append" -t prog -d "$d" --progress 2>"$tmp/err"
[[ ! -s $tmp/err ]] || fail "--progress wrote to a non-terminal stderr"
script -qec "seq 1 1000 | '$bin/klog-append' -t prog -d '$d' --progress" /dev/null >"$tmp/tty"
grep -q '1000 records' "$tmp/tty" || fail "--progress printed nothing on a terminal: $(cat "$tmp/tty")"
echo "crash: ok"
