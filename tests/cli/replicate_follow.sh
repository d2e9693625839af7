#!/usr/bin/env bash
# klog-replicate -f: a copy that follows its source until SIGTERM.
# From klog-serve (-b): records produced after the start appear in the copy;
# a topic created meanwhile is picked up (said on stderr); the broker killed
# with SIGKILL and restarted on the same port is ridden out ("lost the
# source", then "reached the source again") and what it took in afterwards
# is copied too; SIGTERM ends the run with exit 0, --stats prints one line
# per partition with lag 0, and --compare says the copy equals the source.
# From a data directory (-s): the same for appends and a new topic, with
# SIGINT. --progress writes nothing when stderr is not a terminal, and the
# totals when it is.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

src=$T/src dst=$T/dst RPID=

# wait_count DIR TOPIC N: the copy's topic holds N records, within 30 s.
wait_count() {
  local i n=0
  for ((i = 0; i < 300; i++)); do
    n=$("$B/klog-read" -d "$1" -t "$2" 2>/dev/null | wc -l) || n=0
    [[ $n == "$3" ]] && return 0
    kill -0 "$RPID" 2>/dev/null || fail "klog-replicate exited early: $(cat "$T/rerr")"
    sleep 0.1
  done
  fail "the copy in $1 has $n records of topic $2, not $3: $(cat "$T/rerr")"
}

# end_replicate SIGNAL: the follower exits 0 within 5 s of SIGNAL.
end_replicate() {
  local i rc=0
  kill -"$1" "$RPID"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$RPID" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$RPID" 2>/dev/null && fail "klog-replicate still running 5 s after SIG$1"
  wait "$RPID" || rc=$?
  RPID=
  [[ $rc == 0 ]] || fail "klog-replicate exited $rc after SIG$1: $(cat "$T/rerr")"
}

check_equal() {
  run "$B/klog-replicate" --compare "$1" "$2"
  [[ $rc == 0 ]] || fail "--compare $1 $2: exit $rc: $(cat "$T/out" "$T/err")"
}

# 1. Following klog-serve.
"$B/klog-topic" -d "$src" create live --partitions 2 >/dev/null
seq 1 1000 | "$B/klog-append" -d "$src" -t live
broker_start -d "$src"
"$B/klog-replicate" -b "$ADDR" -d "$dst" -f --stats --progress >"$T/rout" 2>"$T/rerr" &
RPID=$!
PIDS+=("$RPID")
wait_count "$dst" live 1000
seq 1001 3000 | "$B/klog-append" -b "$ADDR" -t live
wait_count "$dst" live 3000

"$B/klog-topic" -b "$ADDR" create later --partitions 2 >/dev/null
seq 1 50 | "$B/klog-append" -b "$ADDR" -t later
wait_count "$dst" later 50
grep -q 'topic later partition 1: new at the source' "$T/rerr" ||
  fail "no word of the new topic on stderr: $(cat "$T/rerr")"

BROKER_LISTEN=$ADDR
broker_kill
sleep 1.5  # the follower finds the source gone
broker_start -d "$src"
seq 3001 3500 | "$B/klog-append" -b "$ADDR" -t live
wait_count "$dst" live 3500
grep -q 'warning: lost the source' "$T/rerr" || fail "no 'lost the source': $(cat "$T/rerr")"
grep -q 'reached the source again' "$T/rerr" || fail "no 'reached the source again': $(cat "$T/rerr")"

end_replicate TERM
[[ $(wc -l <"$T/rout") == 4 ]] || fail "--stats: want 4 lines: $(cat "$T/rout")"
awk -F'\t' 'NF != 7 || $7 != 0 { exit 1 }' "$T/rout" || fail "--stats: want lag 0: $(cat "$T/rout")"
grep -q $'^live\t0\t' "$T/rout" || fail "--stats: no line for live 0: $(cat "$T/rout")"
grep -q $'\r' "$T/rerr" && fail "--progress wrote to a stderr that is not a terminal"
broker_stop
check_equal "$src" "$dst"

# 2. Following a data directory.
copy=$T/copy
"$B/klog-replicate" -s "$src" -d "$copy" -f >"$T/rout" 2>"$T/rerr" &
RPID=$!
PIDS+=("$RPID")
wait_count "$copy" live 3500
seq 3501 4000 | "$B/klog-append" -d "$src" -t live
"$B/klog-topic" -d "$src" create newer >/dev/null
seq 1 20 | "$B/klog-append" -d "$src" -t newer
wait_count "$copy" live 4000
wait_count "$copy" newer 20
end_replicate INT
check_equal "$src" "$copy"
[[ ! -s $T/rout ]] || fail "stdout without --stats: $(cat "$T/rout")"

# 3. --progress on a terminal (script(1) gives the copy one): the totals on
# stderr, redrawn with a carriage return, the last one ended by a newline.
script -qec "'$B/klog-replicate' -s '$src' -d '$T/tty' --progress" /dev/null >"$T/tty.out"
grep -q $'\r5 partitions, [0-9]* batches, .* MB copied .*, lag 0' "$T/tty.out" ||
  fail "--progress on a TTY: $(od -c "$T/tty.out" | head)"
check_equal "$src" "$T/tty"

# 4. --follow is no --compare flag.
expect_exit 2 'takes no' "$B/klog-replicate" --compare "$src" "$copy" -f
echo "replicate_follow: ok"
