#!/usr/bin/env bash
# klog-dump against the golden partition tests/golden/golden-0: exact text
# output (stdout, empty stderr, exit 0), --verify passing and failing on a
# flipped bit with file and position named, --json lines that parse, and the
# exit codes for a bad path (1) and an unknown flag (2).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
D=$B/klog-dump
cd "$SRC"  # paths print as given; the golden uses tests/golden/golden-0

# Golden text: stdout, stderr and exit code.
rc=0
"$D" --records --index tests/golden/golden-0 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] || fail "golden dump exit $rc: $(cat "$T/err")"
[[ ! -s $T/err ]] || fail "golden dump wrote to stderr: $(cat "$T/err")"
diff -u tests/golden/golden-0.dump.txt "$T/out" || fail "golden dump differs"

# A .log named directly gives the same lines as its directory.
"$D" --records --index tests/golden/golden-0/00000000000000000000.log >"$T/out2"
diff -u tests/golden/golden-0.dump.txt "$T/out2" || fail ".log argument differs from dir"

# --verify passes on the golden.
rc=0
"$D" --verify tests/golden/golden-0 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 ]] || fail "--verify on golden exit $rc: $(cat "$T/err")"
[[ ! -s $T/err ]] || fail "--verify on golden wrote to stderr"
grep -q '^ok: tests/golden/golden-0/00000000000000000000.log batches: 4 records: 7 ' "$T/out" ||
  fail "--verify ok line: $(cat "$T/out")"

# One flipped bit in the second batch (position 70, 157 bytes): exit 1 naming file and position.
mkdir "$T/bad-0"
cp tests/golden/golden-0/* "$T/bad-0/"
log=$T/bad-0/00000000000000000000.log
byte=$(( $(od -An -tu1 -j100 -N1 "$log") ^ 1 ))
printf "\\$(printf %03o "$byte")" | dd of="$log" bs=1 seek=100 conv=notrunc status=none
[[ $(stat -c %s "$log") == 422 ]] || fail "flip changed the size"
[[ $(cmp -l "$log" tests/golden/golden-0/00000000000000000000.log | wc -l) == 1 ]] || fail "bit was not flipped"
rc=0
"$D" --verify "$T/bad-0" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "--verify on flipped bit: exit $rc"
[[ $(cat "$T/err") == "klog-dump: $log pos 70: checksum mismatch" ]] ||
  fail "--verify message: $(cat "$T/err")"
# Without --verify the damaged batch is shown as BAD and the rest still printed, exit 1.
rc=0
"$D" "$T/bad-0" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "dump of flipped bit: exit $rc"
grep -q '^baseOffset: 1 .* position: 70 .* BAD$' "$T/out" || fail "no BAD line: $(cat "$T/out")"
grep -q '^baseOffset: 6 ' "$T/out" || fail "dump stopped at the bad batch"

# --json: every line is an object with a type; records and index entries present.
"$D" --json --records --index tests/golden/golden-0 >"$T/json"
/usr/bin/python3 -c '
import json, sys
types = [json.loads(line)["type"] for line in open(sys.argv[1])]
assert types.count("batch") == 4, types
assert types.count("record") == 7, types
assert types.count("index_entry") == 3 and types.count("timeindex_entry") == 3, types
' "$T/json" || fail "--json output does not parse as expected"
"$D" --json --verify tests/golden/golden-0 |
  /usr/bin/python3 -c 'import json,sys; [json.loads(l)["file"] for l in sys.stdin]' ||
  fail "--json --verify output does not parse"

# Bad path: exit 1 with the path named; unknown flag: exit 2 with a hint.
rc=0
"$D" "$T/missing" >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "missing path: exit $rc"
grep -q "^klog-dump: $T/missing: no such file or directory$" "$T/err" || fail "missing path msg"
[[ ! -s $T/out ]] || fail "missing path wrote to stdout"
rc=0
"$D" --no-such-flag tests/golden/golden-0 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]] || fail "unknown flag: exit $rc"
grep -q "Try 'klog-dump --help'" "$T/err" || fail "unknown flag: no hint"
rc=0
"$D" --verify --records tests/golden/golden-0 >/dev/null 2>&1 || rc=$?
[[ $rc == 2 ]] || fail "--verify --records: exit $rc"

# A fresh partition with no segment verifies as ok; a non-partition directory
# without segments is an error naming it.
mkdir -p "$T/data/fresh-0" "$T/data/not-a-partition"
out=$("$D" --verify "$T/data/fresh-0") || fail "--verify on an empty partition failed"
[[ $out == "ok: $T/data/fresh-0 segments: 0" ]] || fail "empty partition: '$out'"
rc=0
"$D" "$T/data/not-a-partition" >/dev/null 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q "not-a-partition: no segment" "$T/err" || fail "non-partition dir: exit $rc"
echo "dump_golden: ok"
