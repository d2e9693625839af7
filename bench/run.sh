#!/usr/bin/env bash
# klog benchmarks: figures printed beside a baseline measured in the same run.
# No thresholds; nothing here fails because something is slow.
#   KLOG_BIN     build directory with the tools (default: ../build)
#   BENCH_DIR    scratch directory on the disk to measure (default: mktemp -d under /var/tmp)
#   BENCH_LINES  lines for the pipe benchmarks (default 10000000, 100 bytes each)
#   BENCH_BROKER_MSGS messages for the broker benchmarks (default 2000000)
#   BENCH_GROUP_MSGS  records for the consumer-group benchmarks (default 1200000)
#   BENCH_COMPACT_MB  log size for the compaction benchmark (default 2000; 1M keys)
#   BENCH_REPLICATE_MB source size for klog-replicate -b through klog-serve (default 2000)
#   BENCH_REPLICATE_RUNS rounds of klog-replicate -b and cp -r, best of each shown (default 3)
#   BENCH_SEGMENTS    segments for the retention benchmark (default 10000)
#   BENCH_BIG_MB log sizes for the lookup/append-at-size benchmarks (default "1024 20480";
#                the first and last are also measured in instructions under callgrind)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${KLOG_BIN:-$here/../build}
lines=${BENCH_LINES:-10000000}
sizes=${BENCH_BIG_MB:-1024 20480}
dir=${BENCH_DIR:-$(mktemp -d /var/tmp/klog-bench.XXXXXX)}
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

# run LABEL BYTES RECORDS CMD...: times CMD, prints rate, max RSS and ratio to $base_secs.
timed() {
  /usr/bin/time -o "$dir/time.out" -f '%e %M' "$@" >/dev/null 2>"$dir/stderr.out" \
    || { echo "bench: $* failed:" >&2; cat "$dir/stderr.out" >&2; exit 1; }
  tail -1 "$dir/time.out"
}
row() {  # label secs rss_kb bytes records [baseline_secs]
  awk -v l="$1" -v s="$2" -v r="$3" -v b="$4" -v n="$5" -v base="${6:-}" 'BEGIN {
    if (s <= 0) s = 0.001;
    ratio = base == "" ? "" : sprintf("%.2fx of baseline", base / s);
    printf "  %-34s %7.2f s %9.2f M msg/s %8.1f MB/s %7.1f MB RSS  %s\n",
           l, s, n / s / 1e6, b / s / 1e6, r / 1024, ratio }'
}

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
     "$(free -g | awk '/Mem:/ {print $2}') GiB, kernel $(uname -r), scratch $dir" \
     "($(df -h "$dir" | awk 'NR==2 {print $4}') free)"

echo "== pipe benchmarks: $lines lines of 100 bytes"
"$bin/gen_lines" "$lines" 100 > "$dir/lines.txt"
bytes=$(stat -c %s "$dir/lines.txt")
cat "$dir/lines.txt" > /dev/null  # warm the page cache for both contenders

sync; read -r s r < <(timed sh -c "cat '$dir/lines.txt' > '$dir/cat.out'")
cat_write=$s; row "cat lines > file (baseline)" "$s" "$r" "$bytes" "$lines"
sync; read -r s r < <(timed dd if="$dir/lines.txt" of="$dir/dd.out" bs=1M conv=fdatasync)
row "dd conv=fdatasync (raw disk)" "$s" "$r" "$bytes" "$lines" "$cat_write"
rm -f "$dir/cat.out" "$dir/dd.out"
sync; read -r s r < <(timed sh -c "'$bin/klog-append' -t bench -d '$dir/data' < '$dir/lines.txt'")
row "klog-append" "$s" "$r" "$bytes" "$lines" "$cat_write"

read -r s r < <(timed cat "$dir/lines.txt")
cat_read=$s; row "cat lines > /dev/null (baseline)" "$s" "$r" "$bytes" "$lines"
read -r s r < <(timed "$bin/klog-read" -t bench -d "$dir/data")
row "klog-read > /dev/null" "$s" "$r" "$bytes" "$lines" "$cat_read"
read -r s r < <(timed "$bin/klog-read" -t bench -d "$dir/data" --format '%o %T %s\n')
row "klog-read --format '%o %T %s'" "$s" "$r" "$bytes" "$lines" "$cat_read"
read -r s r < <(timed "$bin/klog-read" -t bench -d "$dir/data" --json)
row "klog-read --json" "$s" "$r" "$bytes" "$lines" "$cat_read"
"$bin/klog-read" -t bench -d "$dir/data" | cmp -s - "$dir/lines.txt" \
  && echo "  (read back byte-identical)" || echo "  WARNING: read-back differs"

echo "== local copy of that log: klog-replicate -s beside cp -r and a JSON pipe"
log_bytes=$(du -sb "$dir/data" | cut -f1)
# klog-replicate syncs what it copied before it exits, so the baseline does too.
sync; read -r s r < <(timed cp -r "$dir/data" "$dir/copy-cp")
row "cp -r (no sync)" "$s" "$r" "$log_bytes" "$lines"
rm -rf "$dir/copy-cp"
sync; read -r s r < <(timed sh -c "cp -r '$dir/data' '$dir/copy-cp' && sync")
cp_secs=$s; row "cp -r && sync (baseline)" "$s" "$r" "$log_bytes" "$lines"
sync; read -r s r < <(timed "$bin/klog-replicate" -s "$dir/data" -d "$dir/copy-rep")
row "klog-replicate -s" "$s" "$r" "$log_bytes" "$lines" "$cp_secs"
read -r s r < <(timed "$bin/klog-replicate" -s "$dir/data" -d "$dir/copy-rep")
row "klog-replicate -s (again, nothing new)" "$s" "$r" 0 0 "$cp_secs"
sync; read -r s r < <(timed sh -c "'$bin/klog-read' -t bench -d '$dir/data' --json |
  '$bin/klog-append' -t bench -d '$dir/copy-json' --json")
row "klog-read --json | klog-append --json" "$s" "$r" "$log_bytes" "$lines" "$cp_secs"
"$bin/klog-replicate" --compare "$dir/data" "$dir/copy-rep" >/dev/null \
  && echo "  (the copy compares equal)" || echo "  WARNING: the copy differs"
rm -rf "$dir/data" "$dir/lines.txt" "$dir/copy-cp" "$dir/copy-rep" "$dir/copy-json"

echo "== log size: append rate and lookups at each size"
for mb in $sizes; do
  avail=$(df -Pm "$dir" | awk 'NR==2 {print $4}')
  if (( avail < mb * 2 )); then
    echo "  skipped ${mb} MB: only ${avail} MB free"
    continue
  fi
  "$bin/bench_log" "$dir/size-0" "$mb"
  rm -rf "$dir/size-0"
done

echo "== instructions per operation (callgrind; exact, independent of machine load)"
first=1024 last=20480
set -- $sizes
if (( $# > 0 )); then first=$1; for mb in "$@"; do last=$mb; done; fi
bash "$here/instructions.sh" "$bin" "$dir" "$first" "$last"

echo "== follow latency (klog-append -> disk -> inotify -> klog-read -f)"
"$bin/klog-topic" -d "$dir/lat" create lat >/dev/null
"$bin/bench_follow" "$bin" "$dir/lat" 5000 1000

echo "== produce-batch check: old append path (CRC-32C only) beside the new (every record)"
"$bin/bench_batch_check"

BENCH_BROKER_MSGS=${BENCH_BROKER_MSGS:-2000000}
bash "$here/serve.sh" "$bin" "$dir/broker" "$BENCH_BROKER_MSGS"
bash "$here/replicate.sh" "$bin" "$dir/replicate" "${BENCH_REPLICATE_MB:-2000}"
bash "$here/groups.sh" "$bin" "$dir/groups" "${BENCH_GROUP_MSGS:-1200000}"
bash "$here/compact.sh" "$bin" "$dir/compact" "${BENCH_COMPACT_MB:-2000}" 1000000 \
  "${BENCH_SEGMENTS:-10000}"
