#!/usr/bin/env bash
# klog-read -f: a follower sees records appended later by another process
# (also across segment rolls and on several partitions), stops at -c, and
# ends with exit 0 and flushed output on SIGTERM/SIGINT.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read
TOPIC=$B/klog-topic

# wait_exit PID SECONDS: waits for PID to end; sets rc; fails on timeout.
wait_exit() {
  local i
  for ((i = 0; i < $2 * 20; i++)); do
    if ! kill -0 "$1" 2>/dev/null; then
      rc=0
      wait "$1" || rc=$?
      return 0
    fi
    sleep 0.05
  done
  fail "process $1 did not exit within $2 s"
}

"$TOPIC" create t --partitions 2 --config segment.bytes=2048
printf 'before\n' | "$A" -t t -p 1
"$R" -t t -f -c 204 --format '%p:%s\n' >"$T/out" 2>"$T/err" &
pid=$!
PIDS+=("$pid")
sleep 0.3
printf 'a\nb\n' | "$A" -t t -p 0
sleep 0.1
printf 'c\n' | "$A" -t t -p 1
sleep 0.1
# Enough small chunks to roll 2 KiB segments several times.
{ for i in $(seq 1 20); do seq -f "r%03g" $((i * 10 - 9)) $((i * 10)); sleep 0.01; done; } |
  "$A" -t t -p 0
wait_exit "$pid" 10
[[ $rc == 0 ]] || fail "follower exit $rc: $(cat "$T/err")"
[[ ! -s $T/err ]] || fail "follower stderr: $(cat "$T/err")"
sort "$T/out" >"$T/got"
{ echo "1:before"; echo 0:a; echo 0:b; echo 1:c; seq -f "0:r%03g" 1 200; } | sort >"$T/want"
cmp "$T/got" "$T/want" || fail "follower output differs"
# Order inside a partition is kept.
grep '^0:r' "$T/out" | cmp - <(seq -f "0:r%03g" 1 200) || fail "follower reordered"
segs=$(ls "$KLOG_DIR/t-0" | grep -c '\.log$')
[[ $segs -ge 2 ]] || fail "no segment roll happened ($segs segments)"

# -o end sees only new records. The follower has no polling timer
# (cli/local/follow.h), so getting the record at all shows that the append's
# inotify event woke it; wait_exit's bound only catches a hang. A follower
# slow to start (ASan) may find an append made before it looked as already
# behind its end: "fresh" is appended until the follower has one (at most
# 50 times).
"$R" -t t -p 0 -o end -f -c 1 >"$T/one" &
pid=$!
PIDS+=("$pid")
for ((i = 0; i < 50; i++)); do
  sleep 0.2
  kill -0 "$pid" 2>/dev/null || break
  printf 'fresh\n' | "$A" -t t -p 0
done
wait_exit "$pid" 5
[[ $(cat "$T/one") == fresh ]] || fail "-o end -f got '$(cat "$T/one")'"

# SIGTERM and SIGINT end a follower with exit 0; what it printed is flushed.
for sig in TERM INT; do
  "$R" -t t -p 1 -f >"$T/sig" 2>"$T/err" &
  pid=$!
  PIDS+=("$pid")
  sleep 0.3
  kill -"$sig" "$pid"
  wait_exit "$pid" 5
  [[ $rc == 0 ]] || fail "SIG$sig: exit $rc"
  [[ $(tr '\n' ' ' <"$T/sig") == "before c " ]] || fail "SIG$sig output: $(cat "$T/sig")"
  [[ ! -s $T/err ]] || fail "SIG$sig stderr: $(cat "$T/err")"
done

# --until ends a follower once it is reached.
"$R" -t t -p 1 -f --until 3 >"$T/until" &
pid=$!
PIDS+=("$pid")
sleep 0.2
printf 'x\ny\n' | "$A" -t t -p 1
wait_exit "$pid" 5
[[ $(tr '\n' ' ' <"$T/until") == "before c x " ]] || fail "--until with -f: $(cat "$T/until")"
echo ok
