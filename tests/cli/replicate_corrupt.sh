#!/usr/bin/env bash
# klog-replicate -b when a batch arrives damaged (a fault proxy flips a byte
# of the last record of the third Fetch response that carries records): the
# copy stops with exit 1 and a message naming the topic, partition and
# offset of the batch that fails its CRC-32C; nothing from that batch on is
# written, so the copy is a prefix of the source that klog-dump --verify
# accepts; a second run (the proxy damages nothing more) completes it,
# equal to the source.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"

src=$T/src dst=$T/dst
"$B/klog-topic" -d "$src" create t --partitions 2 >/dev/null
for p in 0 1; do
  seq 1 200000 | awk '{ print "record-" $0 "-with-a-value-long-enough" }' |
    "$B/klog-append" -d "$src" -t t -p "$p" --batch-bytes 16k
done

# The proxy first, so the broker can advertise it; then it is told the broker.
mkfifo "$T/upstream"
python3 "$SRC/tests/clients/fault_proxy.py" - --corrupt-fetch 3 <"$T/upstream" \
  >"$T/proxy.addr" 2>"$T/proxy.err" &
PIDS+=("$!")
exec 3>"$T/upstream"
for ((i = 0; i < 100; i++)); do [[ -s $T/proxy.addr ]] && break; sleep 0.05; done
PROXY=$(head -n1 "$T/proxy.addr")
[[ $PROXY =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "no proxy address: '$PROXY' $(cat "$T/proxy.err")"
broker_start -d "$src" --advertise "$PROXY"
echo "$ADDR" >&3
exec 3>&-

run timeout 60 "$B/klog-replicate" -b "$PROXY" -d "$dst" -t t
[[ $rc == 1 ]] || fail "damaged batch: exit $rc, want 1: $(cat "$T/err")"
grep -q 'damaged fetch response 3' "$T/proxy.err" || fail "the proxy damaged nothing: $(cat "$T/proxy.err")"
grep -Eq '^klog-replicate: topic t partition [01] offset [0-9]+: fetched batch fails its CRC-32C check' \
  "$T/err" || fail "damaged batch: message: $(cat "$T/err")"
"$B/klog-dump" --verify "$dst"/t-* >/dev/null || fail "klog-dump --verify of the stopped copy"
"$B/klog-replicate" --compare "$src" "$dst" -t t >"$T/cmp" || true
grep -q 'ends before offset' "$T/cmp" || fail "the stopped copy should end early: $(cat "$T/cmp")"
if grep -v $'\tequal$' "$T/cmp" | grep -qv 'ends before offset'; then
  fail "the stopped copy is not a prefix of the source: $(cat "$T/cmp")"
fi
# The damaged batch's partition ends right before the offset named.
read -r part off < <(sed -n 's/.* partition \([01]\) offset \([0-9]*\): fetched.*/\1 \2/p' "$T/err")
grep -q "^t"$'\t'"$part"$'\t'"differs at $off: .* ends before offset $off" "$T/cmp" ||
  fail "partition $part should end at offset $off: $(cat "$T/cmp")"

run timeout 60 "$B/klog-replicate" -b "$ADDR" -d "$dst" -t t
[[ $rc == 0 ]] || fail "second run: exit $rc: $(cat "$T/err")"
broker_stop
run "$B/klog-replicate" --compare "$src" "$dst" -t t
[[ $rc == 0 ]] || fail "--compare after the clean run: $(cat "$T/out")"
echo "replicate_corrupt: ok"
