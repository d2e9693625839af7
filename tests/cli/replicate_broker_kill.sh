#!/usr/bin/env bash
# kill -9 of klog-replicate -b at random moments, 20 rounds, the source
# growing through klog-serve between rounds (half the rounds following with
# -f while a producer writes): after every kill the copy is a prefix of the
# source (--compare says each partition is equal, that the copy ends early
# or that only the source has it: no batch differs), and a final run makes it equal, with the same
# records as the source and a copy that klog-dump --verify accepts.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

src=$T/src dst=$T/dst

# check_prefix ROUND: every partition of the copy is the source's, or a
# prefix of it.
check_prefix() {
  [[ -d $dst ]] || return 0  # killed before it made the copy
  "$B/klog-replicate" --compare "$src" "$dst" -t big >"$T/cmp" || true
  [[ $(wc -l <"$T/cmp") == 2 ]] || fail "round $1: --compare: $(cat "$T/cmp")"
  if grep -v $'\tequal$' "$T/cmp" | grep -v 'ends before offset' | grep -qv "only $src has it"; then
    fail "round $1: the copy is not a prefix of the source: $(cat "$T/cmp")"
  fi
}

"$B/klog-topic" -d "$src" create big --partitions 2 --config segment.bytes=1000000
seq 1 400000 | "$B/klog-append" -d "$src" -t big -p 0
seq 1 400000 | "$B/klog-append" -d "$src" -t big -p 1 -z lz4
broker_start -d "$src"

killed=0
for round in $(seq 1 20); do
  follow=()
  ((round % 2 == 0)) && follow=(-f)
  "$B/klog-replicate" -b "$ADDR" -d "$dst" -t big "${follow[@]}" 2>>"$T/kill.err" &
  pid=$!
  PIDS+=("$pid")
  producer=
  if ((round % 2 == 0)); then  # a producer writes while the follower copies
    seq 1 20000 | "$B/klog-append" -b "$ADDR" -t big -p $((round / 2 % 2)) &
    producer=$!
    PIDS+=("$producer")
  fi
  # The first round copies 800,000 records: it is killed 10 ms in, well
  # before it is done; later ones copy what was added since, and may finish.
  if ((round == 1)); then sleep 0.01; else sleep "0.$((RANDOM % 4))$((RANDOM % 10))"; fi
  kill -9 "$pid" 2>/dev/null || true
  rc=0
  wait "$pid" 2>/dev/null || rc=$?
  ((rc == 137)) && killed=$((killed + 1))
  ((rc == 137 || rc == 0)) || fail "round $round: klog-replicate exited $rc: $(cat "$T/kill.err")"
  [[ -z $producer ]] || wait "$producer" || fail "round $round: the producer failed"
  check_prefix "$round"
  ((round % 2 == 0)) || seq 1 20000 | "$B/klog-append" -b "$ADDR" -t big -p $((round % 2))
done
((killed >= 10)) || fail "only $killed of 20 runs were killed"

run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" -t big
[[ $rc == 0 ]] || fail "run after the kills: exit $rc: $(cat "$T/err")"
broker_stop
run "$B/klog-replicate" --compare "$src" "$dst" -t big
[[ $rc == 0 ]] || fail "after the kills: --compare exit $rc: $(cat "$T/out")"
for d in "$src" "$dst"; do
  "$B/klog-read" -d "$d" -t big --format '%p %o %s\n' >"$T/read.${d##*/}"
done
cmp -s "$T/read.src" "$T/read.dst" || fail "the copy reads differently from the source"
[[ $(wc -l <"$T/read.dst") == $((800000 + 20 * 20000)) ]] ||
  fail "the source should hold 1,200,000 records, the copy has $(wc -l <"$T/read.dst")"
"$B/klog-dump" --verify "$dst"/big-* >/dev/null || fail "klog-dump --verify of the copy"
echo "replicate_broker_kill: ok ($killed of 20 runs killed)"
