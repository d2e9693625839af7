#!/usr/bin/env bash
# Instructions per operation at two log sizes, counted by callgrind: exact and
# repeatable whatever else the machine does, so it shows whether appending or
# looking up costs more as the log grows (it must not, beyond the index's log n).
# Usage: bench/instructions.sh BIN_DIR SCRATCH_DIR [SMALL_MB BIG_MB]
set -euo pipefail
bin=$1 dir=$2 small=${3:-256} big=${4:-2048}
command -v valgrind >/dev/null || { echo "  (valgrind not installed: skipped)"; exit 0; }
for mb in $small $big; do
  out=$dir/callgrind.$mb
  valgrind --tool=callgrind --callgrind-out-file="$out" "$bin/bench_log" "$dir/cg-0" "$mb" \
    >/dev/null 2>&1
  rm -rf "$dir/cg-0"
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null | awk -v mb="$mb" '
    /klog::LogWriter::Append\(/ && /=>/ { split($0, a, " "); gsub(",", "", a[1]);
      n = $0; sub(/.*\(/, "", n); sub(/x\).*/, "", n); gsub(",", "", n); app = a[1] / n }
    /klog::LogReader::Seek\(/ && /=>/ { split($0, a, " "); gsub(",", "", a[1]); seek = a[1] / 2000 }
    /klog::LogReader::OffsetForTimestamp\(/ && /=>/ { split($0, a, " "); gsub(",", "", a[1]);
      ts = a[1] / 2000 }
    END { printf "  %6d MB log: append %.0f instr per 1 MiB batch, offset lookup %.0f instr, " \
                 "timestamp lookup %.0f instr\n", mb, app, seek, ts }'
  rm -f "$out"
done
