#!/usr/bin/env bash
# --json: klog-read --json | klog-append --json copies a topic exactly
# (keys, null values, headers, timestamps, binary bytes as base64), and a bad
# JSON line is reported by number while the other lines are appended.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data
A=$B/klog-append
R=$B/klog-read

# Source topic: text, keyed, null value, headers (object and array form),
# explicit timestamps and partitions, and raw binary via base64.
/usr/bin/python3 - >"$T/src.jsonl" <<'PY'
import base64, json
recs = [
  {"value": "plain"},
  {"key": "k", "value": "with \"quotes\" \\ and \t tab", "timestamp": 1600000000000},
  {"key": "tomb", "value": None, "partition": 1},
  {"value": "h", "headers": {"a": "1", "b": None}},
  {"value": "h2", "headers": [{"key": "bin", "value": base64.b64encode(b"\x00\xff").decode(),
                               "value_encoding": "base64"}]},
  {"key": base64.b64encode(b"\xfe\xfd").decode(), "key_encoding": "base64",
   "value": base64.b64encode(bytes(range(256))).decode(), "value_encoding": "base64"},
  {"value": "caf\u00e9 \U0001F600"},
]
for r in recs:
    print(json.dumps(r))
PY
"$A" -t src --partitions 2 --json <"$T/src.jsonl"
"$R" -t src --json >"$T/src.out"
"$A" -t copy --partitions 2 --json <"$T/src.out"
"$R" -t copy --json >"$T/copy.out"
/usr/bin/python3 - "$T/src.out" "$T/copy.out" <<'PY'
import base64, json, sys
src = [json.loads(l) for l in open(sys.argv[1])]
copy = [json.loads(l) for l in open(sys.argv[2])]
assert len(src) == 7, src
for s, c in zip(src, copy):
    assert s["topic"] == "src" and c["topic"] == "copy"
    del s["topic"], c["topic"]
    assert s == c, (s, c)
by_value = {r.get("value"): r for r in src}
assert by_value[None]["key"] == "tomb" and by_value[None]["partition"] == 1
assert by_value["with \"quotes\" \\ and \t tab"]["timestamp"] == 1600000000000
h = by_value["h2"]["headers"][0]
assert h["value_encoding"] == "base64" and base64.b64decode(h["value"]) == b"\x00\xff", h
assert by_value["h"]["headers"] == [{"key": "a", "value": "1"}, {"key": "b", "value": None}]
binrec = [r for r in src if r.get("value_encoding") == "base64"][0]
assert base64.b64decode(binrec["value"]) == bytes(range(256))
assert base64.b64decode(binrec["key"]) == b"\xfe\xfd" and binrec["key_encoding"] == "base64"
assert "caf\u00e9 \U0001F600" in by_value
PY

# The raw bytes come back out of the default output unchanged.
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' >"$T/bytes"
read -r bp bo < <(/usr/bin/python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get("value_encoding") == "base64": print(r["partition"], r["offset"])' "$T/src.out")
"$R" -t src -p "$bp" -o "$bo" -c 1 --format '%s' >"$T/bytes.out"
cmp "$T/bytes" "$T/bytes.out" || fail "binary value bytes"

# Bad lines are reported by line number; the rest is appended; exit 1.
printf '{"value":"a"}\nnot json\n{"value":5}\n\n{"value":"b"}\n{"partition":7}\n' >"$T/bad"
rc=0
"$A" -t bad --json <"$T/bad" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] || fail "bad JSON: exit $rc"
grep -q "^klog-append: line 2: " "$T/err" || fail "line 2 not named: $(cat "$T/err")"
grep -q "^klog-append: line 3: .*value" "$T/err" || fail "line 3 not named: $(cat "$T/err")"
grep -q "^klog-append: line 6: .*partition 7" "$T/err" || fail "line 6 not named"
[[ $("$R" -t bad | tr '\n' ' ') == "a b " ]] || fail "good lines not appended"
echo ok
