#!/usr/bin/env bash
# klog-append | klog-read round trips: a million lines byte-identical, NUL
# delimiters, multi-byte delimiters, a last record without a delimiter, empty
# records, keys (-K), headers (-H), every codec (-z) and flush policies.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read

seq 1 1000000 >"$T/in"
"$A" -t big <"$T/in"
"$R" -t big >"$T/out"
cmp "$T/in" "$T/out" || fail "seq 1..1e6 did not round-trip"

# NUL-separated input with embedded newlines.
printf 'a\nb\0c\0\0last' >"$T/nul"
"$A" -t nul -D '\0' <"$T/nul"
[[ $("$R" -t nul --format '%S,') == "3,1,0,4," ]] || fail "NUL records: $("$R" -t nul --format '%S,')"
"$R" -t nul -D '\0' >"$T/nul.out"
cmp <(printf 'a\nb\0c\0\0last\0') "$T/nul.out" || fail "NUL output delimiter"

# Multi-byte delimiter, also across read chunks (records split by a pipe).
{ printf 'one<->two<'; sleep 0.2; printf -- '->three<->'; } | "$A" -t multi -D '<->'
[[ $("$R" -t multi --format '[%s]') == "[one][two][three]" ]] || fail "multi-byte delimiter"

# A final record without newline is appended; empty lines are empty records.
printf 'x\n\ny' | "$A" -t tail
[[ $("$R" -t tail --format '[%s]') == "[x][][y]" ]] || fail "tail/empty records"

# -K splits at the first delimiter; records without it have a null key.
printf 'k1=v1\nk2=v=2\nnokey\n=empty\n' | "$A" -t keyed -K =
got=$("$R" -t keyed --format '%k=%s|%K\n')
want=$'k1=v1|2\nk2=v=2|2\n=nokey|-1\n=empty|0'
[[ $got == "$want" ]] || fail "-K: got '$got'"

# -H headers on every record, visible in --json and %h.
printf 'v\n' | "$A" -t hdr -H trace=abc -H 'empty='
"$R" -t hdr --json >"$T/hdr.json"
/usr/bin/python3 - "$T/hdr.json" <<'PY'
import json, sys
rec = json.loads(open(sys.argv[1]).read())
assert rec["headers"] == [{"key": "trace", "value": "abc"}, {"key": "empty", "value": ""}], rec
assert rec["value"] == "v" and rec["key"] is None and rec["offset"] == 0, rec
PY
[[ $("$R" -t hdr --format '%h') == "trace=abc,empty=" ]] || fail "%h"

# Every codec reads back identical; small batches give many batches.
seq 1 20000 | sed 's/$/ some repetitive payload text/' >"$T/text"
for z in none gzip snappy lz4 zstd; do
  "$A" -t "z-$z" -z "$z" --batch-bytes 64k <"$T/text"
  "$R" -t "z-$z" | cmp - "$T/text" || fail "codec $z"
done
[[ $(stat -c %s "$KLOG_DIR/z-zstd-0/00000000000000000000.log") -lt \
   $(stat -c %s "$KLOG_DIR/z-none-0/00000000000000000000.log") ]] || fail "zstd did not compress"

# Flush policies work (and keep appending).
for f in batch 10 none; do
  seq 1 1000 | "$A" -t "flush-$f" --flush "$f"
  [[ $("$R" -t "flush-$f" | wc -l) == 1000 ]] || fail "--flush $f"
done

# Appending again continues the offsets.
printf 'a\nb\n' | "$A" -t again
printf 'c\n' | "$A" -t again
[[ $("$R" -t again --format '%o:%s ') == "0:a 1:b 2:c " ]] || fail "second append"
echo ok
