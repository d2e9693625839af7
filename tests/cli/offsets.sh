#!/usr/bin/env bash
# klog-read start and stop: -o beginning|end|N|-N|@MS|@ISO, --until N|@T, -c.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read
vals() { "$R" -t t "$@" | tr '\n' ' '; }

# Three batches (one per read chunk) with known timestamps (--json carries them).
for i in 0 2 4; do
  printf '{"value":"v%d","timestamp":%d}\n' "$i" $((1700000000000 + i * 1000)) \
    $((i + 1)) $((1700000000000 + (i + 1) * 1000))
  sleep 0.1
done | "$A" -t t --json

[[ $(vals) == "v0 v1 v2 v3 v4 v5 " ]] || fail "beginning: $(vals)"
[[ $(vals -o beginning) == "v0 v1 v2 v3 v4 v5 " ]] || fail "-o beginning"
[[ $(vals -o end) == "" ]] || fail "-o end: $(vals -o end)"
[[ $(vals -o 4) == "v4 v5 " ]] || fail "-o 4: $(vals -o 4)"
[[ $(vals -o 99) == "" ]] || fail "-o 99"
[[ $(vals -o -2) == "v4 v5 " ]] || fail "-o -2: $(vals -o -2)"
[[ $(vals -o -100) == "v0 v1 v2 v3 v4 v5 " ]] || fail "-o -100"
[[ $(vals -o @1700000002000) == "v2 v3 v4 v5 " ]] || fail "-o @ms: $(vals -o @1700000002000)"
[[ $(vals -o @1700000002001) == "v3 v4 v5 " ]] || fail "-o @ms between"
# 1700000003000 = 2023-11-14T22:13:23Z = 23:13:23+01:00
[[ $(vals -o @2023-11-14T22:13:23Z) == "v3 v4 v5 " ]] || fail "-o @ISO Z"
[[ $(vals -o @2023-11-14T23:13:23.000+01:00) == "v3 v4 v5 " ]] || fail "-o @ISO +01:00"
[[ $(vals -o @2023-11-14) == "v0 v1 v2 v3 v4 v5 " ]] || fail "-o @date"
[[ $(vals -o @2030-01-01) == "" ]] || fail "-o @future"
[[ $(vals --until 2) == "v0 v1 " ]] || fail "--until 2: $(vals --until 2)"
[[ $(vals -o 1 --until 3) == "v1 v2 " ]] || fail "-o 1 --until 3"
[[ $(vals --until @1700000004000) == "v0 v1 v2 v3 " ]] || fail "--until @ms"
[[ $(vals --until @2023-11-14T22:13:22.500Z) == "v0 v1 v2 " ]] || fail "--until @ISO"
[[ $(vals -c 2) == "v0 v1 " ]] || fail "-c 2"
[[ $(vals -o 3 -c 1) == "v3 " ]] || fail "-o 3 -c 1"
[[ $(vals -c 0) == "" ]] || fail "-c 0"
[[ $("$R" -t t -o -1 --format '%o %T\n') == "5 1700000005000" ]] || fail "%o %T"

# -c counts across partitions; -p selects partitions; -o applies per partition.
seq 1 10 | "$A" -t two --partitions 2 -p 0
seq 11 20 | "$A" -t two -p 1
[[ $("$R" -t two -c 12 | wc -l) == 12 ]] || fail "-c across partitions"
[[ $("$R" -t two -p 1 -o -2 | tr '\n' ' ') == "19 20 " ]] || fail "-p 1 -o -2"
[[ $("$R" -t two -o -1 | tr '\n' ' ') == "10 20 " ]] || fail "-o -1 per partition"
[[ $("$R" -t two -p 1 -p 0 -o 9 | tr '\n' ' ') == "10 20 " ]] || fail "partition order"
echo ok
