#!/usr/bin/env bash
# klog-replicate -s SRC -d DEST as a user sees it: the copy of a data
# directory (several partitions, every codec, compaction gaps, a log start
# moved by truncate-before) has the same topics and configs, every sealed
# segment is the same file (cmp) with the same digest, klog-read prints the
# same offsets and records, and --compare says equal. A second run copies
# nothing; 20 kill -9s at random moments of a copy still end in an identical
# copy; a source that was rewritten is detected and the copy truncated with
# a warning, or refused with --no-truncate. Usage errors exit 2.
set -euo pipefail
bin=$1
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "replicate: $*" >&2; exit 1; }
src=$tmp/src dst=$tmp/dst

# Every sealed .log of the source (all but the last of each partition) is
# byte-identical in the copy, and so is its digest.
check_sealed_identical() {
  local p logs n i
  for p in "$src"/*-[0-9]*; do
    mapfile -t logs < <(ls "$p"/*.log)
    n=${#logs[@]}
    for ((i = 0; i + 1 < n; i++)); do
      cmp -s "${logs[i]}" "$dst/${p##*/}/${logs[i]##*/}" || fail "$1: ${logs[i]#"$tmp"/} differs in the copy"
      cmp -s "${logs[i]%.log}.xxh3" "$dst/${p##*/}/$(basename "${logs[i]%.log}").xxh3" ||
        fail "$1: digest of ${logs[i]#"$tmp"/} differs in the copy"
    done
  done
}
check_same_records() {
  local t
  for t in "$@"; do
    "$bin/klog-read" -d "$src" -t "$t" --format '%p %o %k %s\n' >"$tmp/a"
    "$bin/klog-read" -d "$dst" -t "$t" --format '%p %o %k %s\n' >"$tmp/b"
    cmp -s "$tmp/a" "$tmp/b" || fail "topic $t reads differently from the copy"
  done
}

# 1. A source with every codec, gaps and a moved log start.
"$bin/klog-topic" -d "$src" create orders --partitions 5 --config segment.bytes=20000
codecs=(none gzip snappy lz4 zstd)
for round in 1 2 3; do
  for p in 0 1 2 3 4; do
    seq $((round * 1000)) $((round * 1000 + 700)) |
      "$bin/klog-append" -d "$src" -t orders -p "$p" -z "${codecs[p]}" --batch-bytes 2k
  done
done
"$bin/klog-topic" -d "$src" create users --config cleanup.policy=compact --config segment.bytes=4000
for i in $(seq 1 6); do
  seq 1 300 | awk -v r="$i" '{ print "k" NR % 40 " v" r "-" $0 }' | "$bin/klog-append" -d "$src" -t users -K ' '
done
"$bin/klog-topic" -d "$src" compact users >/dev/null
"$bin/klog-topic" -d "$src" truncate-before orders -p 2 --offset 1000 >/dev/null

"$bin/klog-replicate" -s "$src" -d "$dst" --stats >"$tmp/stats" 2>"$tmp/err" ||
  fail "copy failed: $(cat "$tmp/err")"
[[ ! -s $tmp/err ]] || fail "copy wrote to stderr: $(cat "$tmp/err")"
[[ $(wc -l <"$tmp/stats") == 6 ]] || fail "--stats: expected 6 partition lines, got: $(cat "$tmp/stats")"
awk -F'\t' '$1 == "orders" && $2 == 2 && $5 != 1000 { exit 1 }' "$tmp/stats" ||
  fail "--stats: orders-2 should start at 1000: $(cat "$tmp/stats")"
check_sealed_identical "first copy"
check_same_records orders users
"$bin/klog-replicate" --compare "$src" "$dst" >"$tmp/cmp" || fail "--compare: $(cat "$tmp/cmp")"
[[ $(grep -c $'\tequal$' "$tmp/cmp") == 6 ]] || fail "--compare: $(cat "$tmp/cmp")"
for t in orders users; do
  diff <("$bin/klog-topic" -d "$src" describe "$t" --json | sed 's/,"partition_info".*//') \
    <("$bin/klog-topic" -d "$dst" describe "$t" --json | sed 's/,"partition_info".*//') >/dev/null ||
    fail "topic $t: configs or partitions differ in the copy"
done

# 2. Nothing new, nothing copied; new records, only those copied.
"$bin/klog-replicate" -s "$src" -d "$dst" --stats >"$tmp/stats"
awk -F'\t' '$3 != 0 || $4 != 0 { exit 1 }' "$tmp/stats" || fail "a second run copied: $(cat "$tmp/stats")"
seq 1 10 | "$bin/klog-append" -d "$src" -t orders -p 4
"$bin/klog-replicate" -s "$src" -d "$dst" -t orders --stats >"$tmp/stats"
[[ $(awk -F'\t' '{ n += $3 } END { print n }' "$tmp/stats") == 1 ]] ||
  fail "one new batch should be copied: $(cat "$tmp/stats")"

# 3. kill -9 at random moments, 20 rounds, the source growing in between.
"$bin/klog-topic" -d "$src" create big --partitions 2 --config segment.bytes=1000000
seq 1 400000 | "$bin/klog-append" -d "$src" -t big -p 0
seq 1 400000 | "$bin/klog-append" -d "$src" -t big -p 1 -z lz4
killed=0
for round in $(seq 1 20); do
  "$bin/klog-replicate" -s "$src" -d "$dst" -t big 2>>"$tmp/kill.err" &
  pid=$!
  pids+=("$pid")
  # The first round copies 800,000 records: it is killed 10 ms in, well
  # before it is done; later ones copy what was added since, and may finish.
  if ((round == 1)); then sleep 0.01; else sleep "0.0$((RANDOM % 10))"; fi
  kill -9 "$pid" 2>/dev/null || true
  rc=0
  wait "$pid" 2>/dev/null || rc=$?
  ((rc == 137)) && killed=$((killed + 1))
  seq 1 20000 | "$bin/klog-append" -d "$src" -t big -p $((round % 2))
done
(( killed > 0 )) || fail "no run was killed"
"$bin/klog-replicate" -s "$src" -d "$dst" -t big 2>"$tmp/err" || fail "run after kills: $(cat "$tmp/err")"
"$bin/klog-replicate" --compare "$src" "$dst" -t big >"$tmp/cmp" || fail "after kills: $(cat "$tmp/cmp")"
check_same_records big
"$bin/klog-dump" --verify "$dst"/big-* >/dev/null || fail "klog-dump --verify of the copy after kills"

# 4. A rewritten source: detected; truncated with a warning, or refused.
cp -r "$dst" "$tmp/dst2"
"$bin/klog-topic" -d "$src" delete users
"$bin/klog-topic" -d "$src" create users --config cleanup.policy=compact
seq 1 5 | awk '{ print "k" $0 " new" }' | "$bin/klog-append" -d "$src" -t users -K ' '
set +e
"$bin/klog-replicate" -s "$src" -d "$tmp/dst2" -t users --no-truncate 2>"$tmp/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "--no-truncate on a diverged copy: exit $rc, not 1"
grep -q "^klog-replicate: topic users partition 0: copy .* diverges from .* at offset 0 .*(--no-truncate)" "$tmp/err" ||
  fail "--no-truncate message: $(cat "$tmp/err")"
"$bin/klog-replicate" -s "$src" -d "$tmp/dst2" -t users 2>"$tmp/err" || fail "truncating copy: $(cat "$tmp/err")"
grep -q "^klog-replicate: warning: copy .* diverges .*: truncating the copy to offset 0" "$tmp/err" ||
  fail "no truncation warning: $(cat "$tmp/err")"
"$bin/klog-replicate" --compare "$src" "$tmp/dst2" -t users >/dev/null || fail "users differs after truncation"
set +e
"$bin/klog-replicate" --compare "$src" "$dst" -t users >"$tmp/cmp"
rc=$?
set -e
[[ $rc == 1 ]] || fail "--compare of diverged logs: exit $rc, not 1"
grep -q $'^users\t0\tdiffers at 0: ' "$tmp/cmp" || fail "--compare output: $(cat "$tmp/cmp")"

# 5. Usage errors exit 2 with the message on stderr.
for args in "" "-s $src -t bad/name" "--compare $src" "--compare $src $dst --stats"; do
  set +e
  # shellcheck disable=SC2086
  "$bin/klog-replicate" $args >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  [[ $rc == 2 && ! -s $tmp/out && -s $tmp/err ]] || fail "'klog-replicate $args': exit $rc, not 2"
done
# 6. A missing directory is a failure, not an empty copy.
for args in "-s $tmp/nonexistent -d $dst" "--compare $src $tmp/nonexistent"; do
  set +e
  # shellcheck disable=SC2086
  "$bin/klog-replicate" $args >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  [[ $rc == 1 ]] && grep -q "nonexistent does not exist" "$tmp/err" ||
    fail "'klog-replicate $args': exit $rc: $(cat "$tmp/err")"
done
echo "replicate: ok"
