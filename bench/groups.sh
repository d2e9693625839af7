#!/usr/bin/env bash
# Consumer-group benchmarks against klog-serve: rebalance time of a 3-member
# group (start to each member's first record) and consume throughput of a
# 3-member group beside a single consumer (the baseline) on the same topic.
#   bash bench/groups.sh BIN_DIR SCRATCH_DIR [RECORDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
n=${3:-1200000}
mkdir -p "$dir"
rm -rf "$dir/gdata" "$dir/gaddr"  # a previous run's leftovers
"$bin/klog-topic" -d "$dir/gdata" create gb --partitions 6 >/dev/null
"$bin/gen_lines" "$n" 100 | "$bin/klog-append" -d "$dir/gdata" -t gb -K ' '
"$bin/klog-serve" -d "$dir/gdata" --listen 127.0.0.1:0 --log-level warn >"$dir/gaddr" 2>"$dir/gserve.log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
for ((i = 0; i < 300; i++)); do [[ -s $dir/gaddr ]] && break; sleep 0.1; done
addr=$(head -n1 "$dir/gaddr")
[[ -n $addr ]] || { echo "bench: klog-serve did not start" >&2; cat "$dir/gserve.log" >&2; exit 1; }
py=/usr/bin/python3

echo "== consumer groups: $n records of 100 bytes on 6 partitions, confluent-kafka consumers"
run_group() {  # GROUP MEMBERS -> one line per member in $dir/members.out
  local group=$1 members=$2 start
  start=$(date +%s.%N)
  : >"$dir/members.out"
  for ((m = 0; m < members; m++)); do
    timeout 150 "$py" "$here/group_consumer.py" "$addr" "$group" gb "$start" >>"$dir/members.out" &
  done
  wait $(jobs -p | grep -v "^$pid$") 2>/dev/null || true
}
report() {  # LABEL
  awk -v l="$1" 'NR == 1 || $1 < min_first { min_first = $1 }
    { max_first = $1 > max_first ? $1 : max_first; n += $2; last = $3 > last ? $3 : last }
    END { s = last - min_first; rate = s > 0 ? n / s : 0
          printf "  %-34s %d records; every member had its first record after %.2f s; %.2f M msg/s (first record to last)\n",
                 l, n, max_first, rate / 1e6 }' "$dir/members.out"
}
run_group single 1
report "1 consumer (baseline)"
run_group trio 3
report "3-member group"
kill -TERM $pid
wait $pid || true
rm -rf "$dir/gdata"
