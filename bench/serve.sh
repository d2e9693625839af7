#!/usr/bin/env bash
# Broker benchmarks: klog-serve driven by real clients, each figure beside a
# baseline from the same run (the embedded tools on the same lines).
#   bash bench/serve.sh BIN_DIR SCRATCH_DIR [MESSAGES]
# Prints msg/s and MB/s per client, the broker's CPU seconds and peak RSS
# per phase, and end-to-end latency at 10k msg/s. No thresholds.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
n=${3:-2000000}
mkdir -p "$dir"
"$bin/gen_lines" "$n" 100 >"$dir/blines.txt"
bytes=$(stat -c %s "$dir/blines.txt")
cat "$dir/blines.txt" >/dev/null

"$bin/klog-serve" -d "$dir/bdata" --listen 127.0.0.1:0 --log-level warn >"$dir/baddr" 2>"$dir/bserve.log" &
pid=$!
trap 'kill -KILL $pid 2>/dev/null || true' EXIT
for ((i = 0; i < 100; i++)); do [[ -s $dir/baddr ]] && break; sleep 0.1; done
addr=$(head -n1 "$dir/baddr")
[[ -n $addr ]] || { echo "bench: klog-serve did not start:" >&2; cat "$dir/bserve.log" >&2; exit 1; }
hz=$(getconf CLK_TCK)
cpu() { awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$pid/stat"; }
rss() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status"; }

# phase LABEL BASELINE_SECS CMD...: runs CMD, prints its rate and the broker's share.
phase() {
  local label=$1 base=$2
  shift 2
  local c0 t0 t1 c1
  c0=$(cpu)
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$dir/bphase.err" || { echo "bench: $label failed:" >&2; cat "$dir/bphase.err" >&2; exit 1; }
  t1=$(date +%s.%N)
  c1=$(cpu)
  awk -v l="$label" -v t0="$t0" -v t1="$t1" -v n="$n" -v b="$bytes" -v base="$base" \
      -v c="$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')" -v rss="$(rss)" 'BEGIN {
    s = t1 - t0; if (s <= 0) s = 0.001
    ratio = base == "" ? "" : sprintf("%.2fx of baseline", base / s)
    printf "  %-34s %7.2f s %9.2f M msg/s %8.1f MB/s  broker %5.2f CPU s, %6.1f MB peak RSS  %s\n",
           l, s, n / s / 1e6, b / s / 1e6, c, rss, ratio }'
  LAST=$(awk -v t0="$t0" -v t1="$t1" 'BEGIN { print t1 - t0 }')
}
plain() {  # LABEL CMD...: a baseline without the broker
  local label=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v l="$label" -v t0="$t0" -v t1="$t1" -v n="$n" -v b="$bytes" 'BEGIN {
    s = t1 - t0; printf "  %-34s %7.2f s %9.2f M msg/s %8.1f MB/s\n", l, s, n / s / 1e6, b / s / 1e6 }'
  LAST=$(awk -v t0="$t0" -v t1="$t1" 'BEGIN { print t1 - t0 }')
}

echo "== broker: $n lines of 100 bytes through klog-serve on 127.0.0.1"
plain "klog-append -d (embedded, baseline)" sh -c "'$bin/klog-append' -d '$dir/blocal' -t b < '$dir/blines.txt'"
base_in=$LAST
phase "kcat -P acks=1" "$base_in" sh -c "kcat -P -b $addr -t kcat1 -X acks=1 \
  -X queue.buffering.max.messages=1000000 -X linger.ms=5 < '$dir/blines.txt'"
phase "kcat -P acks=all (fdatasync)" "$base_in" sh -c "kcat -P -b $addr -t kcatall -X acks=all \
  -X queue.buffering.max.messages=1000000 -X linger.ms=5 < '$dir/blines.txt'"
phase "kcat -P -z lz4 acks=1" "$base_in" sh -c "kcat -P -b $addr -t kcatlz4 -X acks=1 -z lz4 \
  -X queue.buffering.max.messages=1000000 -X linger.ms=5 < '$dir/blines.txt'"
if "$bin/klog-append" --help 2>/dev/null | grep -q -- "--brokers"; then
  phase "klog-append -b acks=1" "$base_in" sh -c "'$bin/klog-append' -b $addr -t kab --acks 1 < '$dir/blines.txt'"
fi

plain "klog-read -d (embedded, baseline)" "$bin/klog-read" -d "$dir/blocal" -t b
base_out=$LAST
phase "kcat -C -e" "$base_out" kcat -C -b "$addr" -t kcat1 -e -o beginning -q
if "$bin/klog-read" --help 2>/dev/null | grep -q -- "--brokers"; then
  phase "klog-read -b" "$base_out" "$bin/klog-read" -b "$addr" -t kcat1
fi
if [[ $(kcat -C -b "$addr" -t kcat1 -e -o beginning -q | cksum) == $(cksum <"$dir/blines.txt") ]]; then
  echo "  (kcat read-back byte-identical)"
else
  echo "  WARNING: kcat read-back differs"
fi

echo "== broker: end-to-end latency (producer -> klog-serve -> long-poll fetch -> consumer)"
c0=$(cpu)
timeout 120 /usr/bin/python3 "$here/e2e_latency.py" "$addr" lat 10000 5
c1=$(cpu)
awk -v a="$c0" -v b="$c1" -v r="$(rss)" 'BEGIN { printf "  broker CPU during the 5 s: %.2f s (%.0f%% of one core); peak RSS %s MB\n", b - a, (b - a) / 5 * 100, r }'
kill -TERM $pid
wait $pid || true
rm -rf "$dir/bdata" "$dir/blocal" "$dir/blines.txt"
