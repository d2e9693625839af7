#!/usr/bin/env bash
# Log cleaner benchmarks on a data directory, each figure beside a baseline
# from the same run. No thresholds.
#   bash bench/compact.sh BIN_DIR SCRATCH_DIR [LOG_MB] [KEYS] [SEGMENTS]
# (a) klog-topic compact of a compacted topic of about LOG_MB megabytes
#     (default 2000) of 100-byte records over KEYS distinct keys (default
#     1000000), in 64 MiB segments: seconds, MB/s of .log read and peak RSS,
#     beside cat of the same .log files to /dev/null (raw read speed).
# (b) klog-topic enforce-retention deleting SEGMENTS segments (default
#     10000; 1 KiB each): segments/s, beside rm -r of a copy of the
#     partition directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
mb=${3:-2000}
keys=${4:-1000000}
nsegs=${5:-10000}
mkdir -p "$dir"
data=$dir/cdata

# timed CMD...: runs CMD (stdout to $dir/ctimed.out) and prints "secs rss_kb".
timed() {
  /usr/bin/time -o "$dir/ctime.out" -f '%e %M' "$@" >"$dir/ctimed.out" 2>"$dir/cstderr.out" ||
    { echo "bench: $* failed:" >&2; cat "$dir/cstderr.out" >&2; exit 1; }
  tail -n1 "$dir/ctime.out"
}
row() {  # LABEL SECS RSS_KB BYTES [BASELINE_SECS]
  awk -v l="$1" -v s="$2" -v r="$3" -v b="$4" -v base="${5:-}" 'BEGIN {
    if (s <= 0) s = 0.01
    ratio = base == "" ? "" : sprintf("%.2fx of baseline", base / s)
    rate = b > 0 ? sprintf("%8.1f MB/s", b / s / 1e6) : sprintf("%13s", "")
    printf "  %-34s %7.2f s %s %7.1f MB RSS  %s\n", l, s, rate, r / 1024, ratio }'
}
field() { sed -n "s/.*$1: \\([0-9]*\\).*/\\1/p" "$dir/ctimed.out"; }

records=$((mb * 1000000 / 100))
echo "== compaction: $records records of 100 bytes over $keys keys (~$mb MB), 64 MiB segments"
"$bin/klog-topic" -d "$data" create ck --config cleanup.policy=compact \
  --config segment.bytes=67108864 --config retention.ms=-1 >/dev/null
"$bin/gen_keyed" "$records" "$keys" 100 | "$bin/klog-append" -d "$data" -t ck -K :
# The active segment is not cleanable; the .log files compact reads are the others.
logs=$(ls "$data/ck-0"/*.log | head -n -1)
bytes=$(cat $logs | wc -c)
cat $logs >/dev/null  # warm the page cache for both contenders
sync  # no writeback of the append left to slow the measurements
# (timed sends stdout to a file; the baseline reads into /dev/null.)
read -r s r < <(timed sh -c 'cat "$@" >/dev/null' sh $logs)
base=$s
row "cat .log files (baseline)" "$s" "$r" "$bytes"
read -r s r < <(timed "$bin/klog-topic" -d "$data" compact ck)
row "klog-topic compact" "$s" "$r" "$bytes" "$base"
awk -v k="$(field records_kept)" -v x="$(field records_removed)" -v p="$(field passes)" \
    -v br="$(field bytes_read)" -v bw="$(field bytes_written)" -v sr="$(field segments_read)" \
    -v sw="$(field segments_written)" 'BEGIN {
  printf "  (%d passes; %d segments, %.1f MB -> %d segments, %.1f MB; %d records kept, %d removed)\n",
         p, sr, br / 1e6, sw, bw / 1e6, k, x }'
read -r s r < <(timed "$bin/klog-topic" -d "$data" compact ck)
row "klog-topic compact again (no-op)" "$s" "$r" 0
rm -rf "$data"

echo "== retention: enforce-retention over $nsegs segments of about 1 KiB"
"$bin/klog-topic" -d "$data" create rt --config segment.bytes=1024 >/dev/null
# A 1 KiB batch holds 7 records of 100 bytes; each batch fills a segment.
"$bin/gen_lines" $(((nsegs + 1) * 7)) 100 | "$bin/klog-append" -d "$data" -t rt --batch-bytes 1k
have=$(ls "$data/rt-0" | grep -c '\.log$')
"$bin/klog-topic" -d "$data" alter rt --config retention.bytes=0
cp -a "$data/rt-0" "$dir/rt-copy"
sync
read -r s r < <(timed rm -r "$dir/rt-copy")
base=$s
awk -v l="rm -r of a copy (baseline)" -v s="$s" -v n="$have" 'BEGIN {
  if (s <= 0) s = 0.01; printf "  %-34s %7.2f s %9.0f segments/s\n", l, s, n / s }'
sync
read -r s r < <(timed "$bin/klog-topic" -d "$data" enforce-retention rt)
deleted=$(field deleted_segments)
awk -v l="klog-topic enforce-retention" -v s="$s" -v n="$deleted" -v base="$base" -v r="$r" \
    -v have="$have" 'BEGIN {
  if (s <= 0) s = 0.01
  printf "  %-34s %7.2f s %9.0f segments/s %7.1f MB RSS  %.2fx of baseline (%d of %d deleted)\n",
         l, s, n / s, r / 1024, base / s, n, have }'
rm -rf "$data"
