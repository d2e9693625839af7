#!/usr/bin/env bash
# Runs every fuzz target of a KLOG_FUZZ build for SECONDS each (`make fuzz`).
# usage: bash tests/fuzz/run.sh BUILD_DIR SOURCE_DIR [SECONDS]
#
# A target fuzz_X starts from BUILD_DIR/fuzz/corpus/fuzz_X (where it adds
# what it finds, kept between runs) and the committed seeds in
# SOURCE_DIR/tests/fuzz/corpus/fuzz_X (read only). Its libFuzzer flags are
# the defaults below, then those in SOURCE_DIR/tests/fuzz/fuzz_X.options
# (one or more per line, # comments), e.g. its -max_len. Up to FUZZ_JOBS
# targets (default 2) run at once, one process each; FUZZ_RSS_MB (default
# 2048) is each one's -rss_limit_mb. A crash, leak, timeout or sanitizer
# report stops that target: its input is kept as
# BUILD_DIR/fuzz/artifacts/fuzz_X-crash-<sha1> and the end of its log is
# printed. Exit status 1 if any target failed.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
seconds=${3:-60}
jobs=${FUZZ_JOBS:-2}
rss_mb=${FUZZ_RSS_MB:-2048}
mkdir -p "$build/fuzz/artifacts" "$build/fuzz/logs"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

targets=()
for bin in "$build"/tests/fuzz/fuzz_*; do
  [[ -x $bin ]] && targets+=("$(basename "$bin")")
done
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "fuzz: no targets in $build/tests/fuzz (configure with -DKLOG_FUZZ=ON)" >&2
  exit 1
fi

run_one() {
  local name=$1 work="$build/fuzz/corpus/$1" seeds="$src/tests/fuzz/corpus/$1"
  local flags=(-max_total_time="$seconds" -rss_limit_mb="$rss_mb" -timeout=30 -max_len=4096
               -print_final_stats=1 -artifact_prefix="$build/fuzz/artifacts/$name-")
  local options="$src/tests/fuzz/$name.options"
  [[ -f $options ]] && flags+=($(sed 's/#.*//' "$options"))
  local dirs=("$work")
  [[ -d $seeds ]] && dirs+=("$seeds")
  mkdir -p "$work"
  "$build/tests/fuzz/$name" "${flags[@]}" "${dirs[@]}" >"$build/fuzz/logs/$name.log" 2>&1
}

# One line per target from its log: executions per second, edges covered
# (cov), features (ft) and the corpus size at the end.
summary() {
  local log=$1
  local rate cov
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' |
        tail -1)
  echo "${rate:-?} exec/s, ${cov:-no coverage line}"
}

echo "fuzz: ${#targets[@]} target(s), ${seconds} s each, ${jobs} at a time" >&2
declare -A pids
for name in "${targets[@]}"; do
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run_one "$name" &
  pids[$name]=$!
done
failed=0
for name in "${targets[@]}"; do
  log="$build/fuzz/logs/$name.log"
  if wait "${pids[$name]}"; then
    echo "fuzz: $name ok: $(summary "$log")" >&2
  else
    failed=1
    echo "fuzz: $name FAILED (log $log):" >&2
    grep -v -E '^#[0-9]+' "$log" | tail -60 >&2
    for artifact in "$build/fuzz/artifacts/$name-"*; do
      [[ -e $artifact ]] && echo "fuzz: replay: $build/tests/fuzz/$name $artifact" >&2
    done
  fi
done
exit $failed
