#!/usr/bin/env bash
# klog-replicate -b through klog-serve on 127.0.0.1, each figure beside a
# baseline from the same run. No thresholds; it exits 1 only when a copy is
# not equal to its source (correctness, not speed) or a step fails.
#   bash bench/replicate.sh BIN_DIR SCRATCH_DIR [MB]
# 1. Copy throughput: a source of about MB megabytes of 100-byte records in
#    4 partitions, copied by klog-replicate -b beside cp -r && sync of the
#    directory and beside klog-read -b --json | klog-append --json; then a
#    rerun with nothing new, and --compare of the source and the copy.
# 2. Follow lag at 10,000 records/s for 10 s: klog-replicate -b -f copies a
#    topic while a producer writes it; each record carries its send time and
#    klog-read -f on the copy prints it; beside it the same records read from
#    the broker by klog-read -b -f, and klog-read -f on a local directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
dir=$2
mb=${3:-2000}
parts=4
rate=10000
secs=10
mkdir -p "$dir"

pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$dir/src" "$dir/copy-cp" "$dir/copy-rep" "$dir/copy-json" "$dir/follow" "$dir/local" \
    "$dir/lines.txt" "$dir"/fifo.* "$dir"/ready.*
}
trap cleanup EXIT

# timed CMD...: runs CMD, prints its wall seconds and max RSS (KB).
timed() {
  /usr/bin/time -o "$dir/time.out" -f '%e %M' "$@" >/dev/null 2>"$dir/stderr.out" ||
    { echo "bench: $* failed:" >&2; cat "$dir/stderr.out" >&2; exit 1; }
  tail -1 "$dir/time.out"
}
row() {  # label secs rss_kb bytes records [baseline_secs]
  awk -v l="$1" -v s="$2" -v r="$3" -v b="$4" -v n="$5" -v base="${6:-}" 'BEGIN {
    if (s <= 0) s = 0.001;
    ratio = base == "" ? "" : sprintf("%.2fx of baseline", base / s);
    printf "  %-34s %7.2f s %9.2f M msg/s %8.1f MB/s %7.1f MB RSS  %s\n",
           l, s, n / s / 1e6, b / s / 1e6, r / 1024, ratio }'
}
hz=$(getconf CLK_TCK)
cpu() {  # PID: user + system CPU seconds so far
  awk -v hz="$hz" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}
# equal_or_die LABEL DIR_A DIR_B [-t TOPIC]: --compare must print only 'equal' lines.
equal_or_die() {
  local label=$1 a=$2 b=$3
  shift 3
  if "$bin/klog-replicate" --compare "$a" "$b" "$@" >"$dir/compare.out" 2>&1 &&
    [[ -s $dir/compare.out ]] && ! grep -qv $'\tequal$' "$dir/compare.out"; then
    echo "  ($label compares equal: $(wc -l <"$dir/compare.out") partition(s))"
  else
    echo "bench: $label: klog-replicate --compare $a $b $* says:" >&2
    cat "$dir/compare.out" >&2
    exit 1
  fi
}

# 1. Copy throughput.
records=$((mb * 1000000 / 100))
per=$((records / parts))
records=$((per * parts))
echo "== klog-replicate -b: copy of $records records of 100 bytes in $parts partitions from klog-serve"
"$bin/gen_lines" "$per" 100 >"$dir/lines.txt"
"$bin/klog-topic" -d "$dir/src" create rep --partitions "$parts" >/dev/null
for ((p = 0; p < parts; p++)); do
  "$bin/klog-append" -d "$dir/src" -t rep -p "$p" <"$dir/lines.txt"
done
rm -f "$dir/lines.txt"
src_bytes=$(du -sb "$dir/src" | cut -f1)
cat "$dir"/src/*/*.log >/dev/null  # every contender reads a source in the page cache

"$bin/klog-serve" -d "$dir/src" --listen 127.0.0.1:0 --log-level warn >"$dir/addr" 2>"$dir/serve.log" &
serve=$!
pids+=("$serve")
for ((i = 0; i < 100; i++)); do [[ -s $dir/addr ]] && break; sleep 0.1; done
addr=$(head -n1 "$dir/addr")
[[ -n $addr ]] || { echo "bench: klog-serve did not start:" >&2; cat "$dir/serve.log" >&2; exit 1; }
echo "  source: $(awk -v b="$src_bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }') on disk, served at $addr"

# cp -r && sync and klog-replicate -b take turns, $runs rounds; the disk is
# shared and its speed varies, so each row is the best of its rounds.
runs=${BENCH_REPLICATE_RUNS:-3}
cp_all="" rep_all="" cp_secs="" rep_secs="" serve_cpu=0
for ((i = 0; i < runs; i++)); do
  rm -rf "$dir/copy-cp" "$dir/copy-rep"
  sync; read -r s r < <(timed sh -c "cp -r '$dir/src' '$dir/copy-cp' && sync")
  cp_all+=" $s"
  if [[ -z $cp_secs ]] || awk -v a="$s" -v b="$cp_secs" 'BEGIN { exit !(a < b) }'; then
    cp_secs=$s cp_rss=$r
  fi
  rm -rf "$dir/copy-rep"
  sync; c0=$(cpu "$serve")
  read -r s r < <(timed "$bin/klog-replicate" -b "$addr" -d "$dir/copy-rep")
  rep_all+=" $s"
  if [[ -z $rep_secs ]] || awk -v a="$s" -v b="$rep_secs" 'BEGIN { exit !(a < b) }'; then
    rep_secs=$s rep_rss=$r serve_cpu=$(awk -v a="$c0" -v b="$(cpu "$serve")" 'BEGIN { printf "%.2f", b - a }')
  fi
done
rm -rf "$dir/copy-cp"
row "cp -r && sync (baseline)" "$cp_secs" "$cp_rss" "$src_bytes" "$records"
row "klog-replicate -b" "$rep_secs" "$rep_rss" "$src_bytes" "$records" "$cp_secs"
echo "    (best of $runs; cp -r && sync took$cp_all s, klog-replicate -b$rep_all s; klog-serve" \
  "used $serve_cpu CPU s in the best; the target is 0.5x of cp -r && sync)"
read -r s r < <(timed "$bin/klog-replicate" -b "$addr" -d "$dir/copy-rep")
row "klog-replicate -b again (none new)" "$s" "$r" 0 0
equal_or_die "the copy" "$dir/src" "$dir/copy-rep"
rm -rf "$dir/copy-rep"

# The JSON pipe re-encodes every record; one partition is enough to see its rate.
json_bytes=$(du -sb "$dir/src/rep-0" | cut -f1)
"$bin/klog-topic" -d "$dir/copy-json" create rep --partitions "$parts" >/dev/null
sync; read -r s r < <(timed sh -c "'$bin/klog-read' -b '$addr' -t rep -p 0 --json |
  '$bin/klog-append' -d '$dir/copy-json' -t rep --json && sync")
row "klog-read -b --json | klog-append" "$s" "$r" "$json_bytes" "$per" "$(awk -v c="$cp_secs" -v p="$parts" 'BEGIN { print c / p }')"
echo "    (partition 0 only, 1/$parts of the source; the baseline is cp -r's time scaled to 1/$parts)"
rm -rf "$dir/copy-json"

# 2. Follow lag; the writeback of the copies above is done before it starts.
sync
echo "== klog-replicate -b -f: lag at $rate records/s for $secs s (send -> klog-read -f prints it)"
"$bin/klog-topic" -b "$addr" create lag --partitions 1 >/dev/null
"$bin/klog-replicate" -b "$addr" -d "$dir/follow" -t lag -f 2>"$dir/follow.err" &
rep=$!
pids+=("$rep")
for ((i = 0; i < 100; i++)); do
  "$bin/klog-read" -d "$dir/follow" -t lag >/dev/null 2>&1 && break
  sleep 0.1
done
count=$((rate * secs))
rm -f "$dir"/ready.* "$dir"/fifo.*
mkfifo "$dir/fifo.copy" "$dir/fifo.broker"
/usr/bin/python3 "$here/replicate_lag.py" measure "replicate -f, klog-read -d -f" "$count" \
  "$dir/ready.copy" <"$dir/fifo.copy" >"$dir/lat.copy" &
m1=$!
/usr/bin/python3 "$here/replicate_lag.py" measure "klog-read -b -f (baseline)" "$count" \
  "$dir/ready.broker" <"$dir/fifo.broker" >"$dir/lat.broker" &
m2=$!
pids+=("$m1" "$m2")
"$bin/klog-read" -d "$dir/follow" -t lag -f -o end --format '%s\n' >"$dir/fifo.copy" 2>"$dir/read1.err" &
r1=$!
"$bin/klog-read" -b "$addr" -t lag -f -o end --format '%s\n' >"$dir/fifo.broker" 2>"$dir/read2.err" &
r2=$!
pids+=("$r1" "$r2")
c0=$(cpu "$rep")
c0s=$(cpu "$serve")
sent=$(timeout 120 /usr/bin/python3 "$here/replicate_lag.py" produce "$addr" lag "$rate" "$secs" \
  "$dir/ready.copy" "$dir/ready.broker") || {
  echo "bench: the producer failed; klog-read -d -f, klog-read -b -f and klog-replicate -f said:" >&2
  cat "$dir/read1.err" "$dir/read2.err" "$dir/follow.err" >&2
  exit 1
}
for ((i = 0; i < 150; i++)); do
  kill -0 "$m1" 2>/dev/null || kill -0 "$m2" 2>/dev/null || break
  sleep 0.1
done
c1=$(cpu "$rep")
c1s=$(cpu "$serve")
kill -TERM "$r1" "$r2" 2>/dev/null || true
wait "$m1" || true
wait "$m2" || true
cat "$dir/lat.copy" "$dir/lat.broker"
echo "    ($sent sent; during the run klog-replicate -f used $(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') CPU s," \
  "$(awk '/VmHWM/ { printf "%.1f MB", $2 / 1024 }' "/proc/$rep/status") peak RSS;" \
  "klog-serve $(awk -v a="$c0s" -v b="$c1s" 'BEGIN { printf "%.2f", b - a }') CPU s)"
kill -TERM "$rep"
wait "$rep" || { echo "bench: klog-replicate -f exited $?:" >&2; cat "$dir/follow.err" >&2; exit 1; }
equal_or_die "the followed copy" "$dir/src" "$dir/follow" -t lag
kill -TERM "$serve"
wait "$serve" || true

# The part of the figure above that is klog-read -f's own: append -> print on one directory.
"$bin/klog-topic" -d "$dir/local" create lat >/dev/null
"$bin/bench_follow" "$bin" "$dir/local" "$count" "$rate" | sed 's/follow latency/klog-append -> klog-read -d -f:/'
