#!/usr/bin/env bash
# klog-serve driven by kcat (librdkafka 2.0.2): produce with keys (-K:),
# headers (-H) and every codec (-z), explicit partitions (-p) of a 3-partition
# topic; read everything back with -J and -f and compare exactly with what was
# sent; start offsets -o -N and -o s@TS; ListOffsets by time (-Q); -e on an
# empty topic exits; fetch sizes below one batch still deliver everything
# (KIP-74); a 2 MiB message is refused by the broker's default
# message.max.bytes. After SIGTERM the same data is read with klog-read from
# the directory (byte-identical to what kcat printed) and klog-dump --verify
# checks it, including that each batch really carries the codec kcat asked
# for. Only 127.0.0.1 is used; the broker is killed on exit.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
command -v kcat >/dev/null || fail "kcat is not installed (make deps installs it)"
PY=/usr/bin/python3
D=$T/data

# Every kcat call is bounded twice: librdkafka's own timeouts and timeout(1).
produce() { # TOPIC ARGS... < lines
  local topic=$1
  shift
  timeout 40 kcat -P -b "$ADDR" -t "$topic" -X message.timeout.ms=20000 "$@" 2>"$T/kcat.err" ||
    fail "kcat -P -t $topic $*: exit $?: $(cat "$T/kcat.err")"
  ! grep -qi 'fail\|error' "$T/kcat.err" || fail "kcat -P -t $topic $*: $(cat "$T/kcat.err")"
}
consume() { # TOPIC ARGS...
  local topic=$1
  shift
  timeout 40 kcat -C -b "$ADDR" -t "$topic" -e -q "$@" 2>"$T/kcat.err" ||
    fail "kcat -C -t $topic $*: exit $?: $(cat "$T/kcat.err")"
}

"$B/klog-topic" -d "$D" create p3 --partitions 3
"$B/klog-topic" -d "$D" create empty
broker_start -d "$D"

# librdkafka only compresses with lz4 when the broker advertises
# FindCoordinator v0 (its LZ4 feature flag); until klog-serve does (consumer
# groups), kcat -z lz4 sends plain batches, so lz4 on disk is not required.
LZ4=lz4
if timeout 20 kcat -L -b "$ADDR" -X debug=feature 2>&1 | grep -q 'Disabling feature LZ4'; then
  echo "NOTE: librdkafka disabled lz4 (FindCoordinator v0 not advertised); lz4 batches not checked"
  LZ4=
fi

# 1. Keys, headers, a line without the key delimiter (null key), UTF-8.
{
  for i in $(seq 0 39); do echo "key$i:value $i"; done
  echo "no delimiter here"
  echo "ключ:значение ✓"
  echo "k:v:with:colons"
} >"$T/t.in"
produce t -K: -H "h1=one" -H "h2=two words" <"$T/t.in"
consume t -J >"$T/t.json"
$PY - "$T/t.in" "$T/t.json" <<'EOF' || fail "topic t read back differs (see above)"
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
got = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
want = []
for l in lines:
    k, sep, v = l.partition(":")
    want.append((k, v) if sep else (None, l))
if len(got) != len(want):
    sys.exit(f"read {len(got)} messages, produced {len(want)}")
prev_ts = 0
for i, (m, (k, v)) in enumerate(zip(got, want)):
    if (m["partition"], m["offset"]) != (0, i):
        sys.exit(f"message {i}: partition/offset {m['partition']}/{m['offset']}")
    if (m["key"], m["payload"]) != (k, v):
        sys.exit(f"offset {i}: key/value {m['key']!r}/{m['payload']!r}, want {k!r}/{v!r}")
    if m.get("headers") != ["h1", "one", "h2", "two words"]:
        sys.exit(f"offset {i}: headers {m.get('headers')!r}")
    if m["tstype"] != "create" or m["ts"] < prev_ts:
        sys.exit(f"offset {i}: timestamp {m['tstype']} {m['ts']} after {prev_ts}")
    prev_ts = m["ts"]
EOF
consume t -f '%k %s %h %o %p\n' >"$T/t.fmt"
[[ $(wc -l <"$T/t.fmt") == 43 ]] || fail "kcat -f printed $(wc -l <"$T/t.fmt") lines, want 43"

# 2. Start offsets: the last 5, and from a timestamp (the first message whose
# timestamp is >= that of offset 20, as ListOffsets defines it).
consume t -o -5 -f '%o\n' >"$T/last5"
[[ $(tr '\n' ' ' <"$T/last5") == "38 39 40 41 42 " ]] || fail "-o -5 gave: $(cat "$T/last5")"
read -r TS FIRST < <($PY -c '
import json, sys
ms = [json.loads(l) for l in open(sys.argv[1])]
ts = ms[20]["ts"]
print(ts, min(m["offset"] for m in ms if m["ts"] >= ts))' "$T/t.json")
consume t -o "s@$TS" -f '%o\n' >"$T/fromts"
[[ $(head -n1 "$T/fromts") == "$FIRST" && $(tail -n1 "$T/fromts") == 42 ]] ||
  fail "-o s@$TS started at $(head -n1 "$T/fromts"), want $FIRST"
[[ $(wc -l <"$T/fromts") == $((43 - FIRST)) ]] || fail "-o s@$TS: $(wc -l <"$T/fromts") messages"

# 3. ListOffsets by time: at offset 20's timestamp, before everything, and
# after everything (-1: no such message).
q() { timeout 30 kcat -Q -b "$ADDR" -t "$1" 2>"$T/kcat.err" || fail "kcat -Q -t $1: $(cat "$T/kcat.err")"; }
[[ $(q "t:0:$TS") =~ offset\ $FIRST$ ]] || fail "kcat -Q t:0:$TS: $(q "t:0:$TS"), want $FIRST"
[[ $(q "t:0:1") =~ offset\ 0$ ]] || fail "kcat -Q t:0:1: $(q "t:0:1")"
LAST_TS=$(tail -n1 "$T/t.json" | $PY -c 'import json,sys; print(json.load(sys.stdin)["ts"])')
[[ $(q "t:0:$((LAST_TS + 3600000))") =~ offset\ -1$ ]] ||
  fail "kcat -Q after the last timestamp: $(q "t:0:$((LAST_TS + 3600000))"), want -1"

# 4. -e on an empty topic ends at once with nothing.
consume empty >"$T/empty.out"
[[ ! -s $T/empty.out ]] || fail "empty topic printed: $(cat "$T/empty.out")"

# 5. Explicit partitions of a 3-partition topic.
for p in 0 1 2; do
  seq 1 $((5 + p)) | sed "s/^/p$p-/" | produce p3 -p "$p" -H "part=$p"
done
consume p3 -f '%p %o %s %h\n' | sort >"$T/p3.out"
for p in 0 1 2; do
  for ((i = 0; i < 5 + p; i++)); do echo "$p $i p$p-$((i + 1)) part=$p"; done
done | sort >"$T/p3.want"
diff "$T/p3.want" "$T/p3.out" >&2 || fail "p3 read back differs"

# 6. Every codec: one kcat run each, so each is its own batch.
for z in none gzip snappy lz4 zstd; do
  seq 1 200 | sed "s/^/$z record number /" | produce z -z "$z" -K' ' -H "codec=$z"
done
consume z -f '%k %s %h %o\n' >"$T/z.fmt"
[[ $(wc -l <"$T/z.fmt") == 1000 ]] || fail "topic z: $(wc -l <"$T/z.fmt") of 1000"
i=0
for z in none gzip snappy lz4 zstd; do
  for n in $(seq 1 200); do echo "$z record number $n codec=$z $i"; i=$((i + 1)); done
done | diff - "$T/z.fmt" >&2 || fail "topic z read back differs"
# Fetch sizes far below one batch: the first batch of each response must
# still be whole (KIP-74), or librdkafka stalls.
consume z -f '%k %s %h %o\n' -X fetch.message.max.bytes=1000 -X fetch.max.bytes=1000 \
  -X message.max.bytes=1000 | cmp - "$T/z.fmt" || fail "topic z with 1000-byte fetches differs"

# 7. A 2 MiB message (kcat's own limit raised) is refused by the broker's
# default limit (Kafka's message.max.bytes, 1048588) with an error, at once.
rc=0
head -c $((2 << 20)) /dev/zero | tr '\0' x | timeout 40 kcat -P -b "$ADDR" -t big -D '\x01' \
  -X message.max.bytes=8000000 -X message.timeout.ms=20000 >/dev/null 2>"$T/kcat.err" || rc=$?
if [[ $rc != 1 ]] || ! grep -q 'Message size too large' "$T/kcat.err"; then
  fail "2 MiB message: kcat exit $rc: $(cat "$T/kcat.err")"
fi
broker_stop

# 8. The directory, read without the broker, holds exactly what kcat read.
KR() { "$B/klog-read" -d "$D" "$@" || fail "klog-read $*"; }
KR -t t --format '%k %s %h %o %p\n' | cmp - "$T/t.fmt" || fail "klog-read t differs from kcat"
KR -t z --format '%k %s %h %o\n' | cmp - "$T/z.fmt" || fail "klog-read z differs from kcat"
KR -t p3 --format '%p %o %s %h\n' | sort | cmp - "$T/p3.out" || fail "klog-read p3 differs"
KR -t t --json >"$T/t.klog.json"
$PY - "$T/t.json" "$T/t.klog.json" <<'EOF' || fail "klog-read --json and kcat -J disagree"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b), (len(a), len(b))
for x, y in zip(a, b):
    hs = [v for h in y.get("headers", []) for v in (h["key"], h["value"])]
    got = (y["offset"], y["timestamp"], y["key"], y["value"], hs)
    want = (x["offset"], x["ts"], x["key"], x["payload"], x.get("headers", []))
    if got != want:
        sys.exit(f"klog-read {got} != kcat {want}")
EOF
"$B/klog-dump" --verify "$D"/t-0 "$D"/z-0 "$D"/p3-0 "$D"/p3-1 "$D"/p3-2 >"$T/verify" 2>&1 ||
  fail "klog-dump --verify: $(cat "$T/verify")"
"$B/klog-dump" "$D"/z-0 >"$T/z.dump" || fail "klog-dump z-0"
for z in gzip snappy zstd $LZ4; do
  grep -qw "$z" "$T/z.dump" || fail "no $z batch on disk (kcat sent it uncompressed?): $(cat "$T/z.dump")"
done
echo "client_kcat: ok"
