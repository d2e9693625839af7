#!/usr/bin/env bash
# Incremental, parallel export of a keyed topic, one file per partition.
#
# The topic "orders" has 4 partitions; records are "customer:order" lines, so
# klog-append -K : puts every customer in one partition (Kafka's murmur2).
# export_all runs one exporter per partition in parallel. Each exporter keeps
# a position file part-N.pos, "<next offset> <bytes of part-N.txt>", and on
# every run reads only from that offset on (klog-read -p N -o OFFSET) and
# appends to part-N.txt. The position is replaced atomically after the data
# is appended, and a run first cuts part-N.txt back to the recorded size, so
# an exporter killed halfway repeats its work instead of duplicating records.
#
# The demonstration: append, export, append more, export again; the second
# run adds only the new records and every part-N.txt equals its partition.
#
# Uses the tools in $KLOG_BIN (default: build/ of this repository) and a
# temporary directory it removes on exit. Exits non-zero on any mismatch.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KLOG_BIN=${KLOG_BIN:-$here/../build}
KLOG_BIN=$(cd "$KLOG_BIN" && pwd)
export PATH=$KLOG_BIN:$PATH
PARTITIONS=4

work=$(mktemp -d "${TMPDIR:-/tmp}/klog-export.XXXXXX")
trap 'rm -rf "$work"' EXIT
export KLOG_DIR=$work/klog-data
out=$work/export
mkdir -p "$out"

fail() {
  echo "export-partitions: FAILED: $*" >&2
  exit 1
}

# Appends orders $1..$2 for 25 customers to the topic.
append_orders() {
  seq "$1" "$2" | awk '{ printf "customer-%d:order-%d\n", $1 % 25, $1 }' |
    klog-append -t orders -K : --partitions "$PARTITIONS"
}

# Exports the new records of partition $1 into $out/part-$1.txt.
export_partition() {
  local p=$1 txt=$out/part-$1.txt pos=$out/part-$1.pos
  local next=0 bytes=0 last added=0
  [[ -f $pos ]] && read -r next bytes <"$pos"
  touch "$txt"
  truncate -s "$bytes" "$txt"
  klog-read -t orders -p "$p" -o "$next" --format '%o\t%k:%s\n' >"$txt.new"
  if [[ -s $txt.new ]]; then
    last=$(tail -n 1 "$txt.new" | cut -f 1)
    cut -f 2- "$txt.new" >>"$txt"
    next=$((last + 1))
    added=$(wc -l <"$txt.new")
  fi
  echo "$added" >"$out/part-$p.added"
  rm -f "$txt.new"
  echo "$next $(stat -c %s "$txt")" >"$pos.tmp"
  mv "$pos.tmp" "$pos"
  echo "  partition $p: $added new records, $(wc -l <"$txt") in all, next offset $next"
}

# Runs the exporters in parallel and fails if any of them fails.
export_all() {
  local p pids=()
  for ((p = 0; p < PARTITIONS; p++)); do
    export_partition "$p" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do
    wait "$p" || fail "an exporter failed"
  done
}

# Prints how many records the last export_all read, over all partitions.
added_total() {
  cat "$out"/part-*.added | awk '{ n += $1 } END { print n }'
}

# Checks every part-N.txt against its partition, and the keys' placement.
check_export() {
  local p total=0
  for ((p = 0; p < PARTITIONS; p++)); do
    cmp -s "$out/part-$p.txt" <(klog-read -t orders -p "$p" --format '%k:%s\n') ||
      fail "part-$p.txt differs from partition $p"
    total=$((total + $(wc -l <"$out/part-$p.txt")))
  done
  [[ $total -eq $1 ]] || fail "exported $total records, expected $1"
  local split
  split=$(cd "$out" && grep -o '^customer-[0-9]*' part-*.txt | sort -u | cut -d: -f2 | uniq -d)
  [[ -z $split ]] || fail "customers found in more than one partition: $split"
}

echo "append 1000 orders:  ... | klog-append -t orders -K : --partitions $PARTITIONS"
append_orders 1 1000
echo "export (4 exporters in parallel):"
export_all
check_export 1000
for ((p = 0; p < PARTITIONS; p++)); do cp "$out/part-$p.txt" "$work/run1-part-$p.txt"; done

echo "append 500 more orders"
append_orders 1001 1500
echo "export again (each exporter resumes from its stored offset):"
export_all
check_export 1500
# The second run read only the 500 new records and appended them: the first
# run's files are still there, unchanged, at the start of each file.
[[ $(added_total) -eq 500 ]] || fail "the second run read $(added_total) records, not the 500 new ones"
for ((p = 0; p < PARTITIONS; p++)); do
  size=$(stat -c %s "$work/run1-part-$p.txt")
  head -c "$size" "$out/part-$p.txt" | cmp -s - "$work/run1-part-$p.txt" ||
    fail "part-$p.txt: the second run rewrote what the first run exported"
done

echo "export once more with nothing new: the files stay the same"
before=$(cat "$out"/part-*.txt | md5sum)
export_all >/dev/null
[[ $(added_total) -eq 0 ]] || fail "an idle export read $(added_total) records"
[[ $(cat "$out"/part-*.txt | md5sum) == "$before" ]] || fail "an idle export changed the files"
check_export 1500
echo "export-partitions: ok: 1500 records in 4 files, each equal to its partition"
