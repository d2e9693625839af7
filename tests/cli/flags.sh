#!/usr/bin/env bash
# Common flags of klog-append, klog-read and klog-topic: help and version on
# stdout with exit 0; unknown flags and missing required flags are usage
# errors (exit 2, "klog-x:" message and a --help hint on stderr, no stdout).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
export KLOG_DIR=$T/data

# run CMD...: as lib/common.sh's run (sets rc; $T/out and $T/err), but with
# stdin closed.
run() { rc=0; "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?; }

for tool in klog-append klog-read klog-topic; do
  bin=$B/$tool
  for h in -h --help; do
    run "$bin" $h
    [[ $rc == 0 ]] || fail "$tool $h: exit $rc"
    grep -q -- "--data-dir" "$T/out" || fail "$tool $h: no usage on stdout"
    [[ ! -s $T/err ]] || fail "$tool $h: wrote to stderr"
  done
  for v in -V --version; do
    run "$bin" $v
    [[ $rc == 0 ]] || fail "$tool $v: exit $rc"
    [[ $(cat "$T/out") == "$tool 0.1.0" ]] || fail "$tool $v: got '$(cat "$T/out")'"
    [[ ! -s $T/err ]] || fail "$tool $v: wrote to stderr"
  done
  run "$bin" --no-such-flag
  [[ $rc == 2 ]] || fail "$tool unknown flag: exit $rc"
  [[ ! -s $T/out ]] || fail "$tool unknown flag: wrote to stdout"
  head -1 "$T/err" | grep -q "^$tool: " || fail "$tool unknown flag: stderr '$(cat "$T/err")'"
  grep -qF "Try '$tool --help'." "$T/err" || fail "$tool unknown flag: no --help hint"
  grep -qF "unknown option '--no-such-flag'" "$T/err" || fail "$tool unknown flag not named"
done

# Missing -t.
for tool in klog-append klog-read; do
  run "$B/$tool"
  [[ $rc == 2 ]] || fail "$tool without -t: exit $rc"
  grep -q "^$tool: .*topic" "$T/err" || fail "$tool without -t: stderr '$(cat "$T/err")'"
  [[ ! -s $T/out ]] || fail "$tool without -t: wrote to stdout"
done
# klog-topic without a command, and create without a name.
run "$B/klog-topic"
[[ $rc == 2 ]] || fail "klog-topic without command: exit $rc"
run "$B/klog-topic" create
[[ $rc == 2 ]] || fail "klog-topic create without topic: exit $rc"
run "$B/klog-topic" create --help
[[ $rc == 0 ]] && grep -q -- "--partitions" "$T/out" || fail "klog-topic create --help"

# Bad flag values are usage errors too.
run "$B/klog-read" -t x -o yesterday
[[ $rc == 2 ]] && grep -q "^klog-read: .*'yesterday'" "$T/err" || fail "bad -o: $rc $(cat "$T/err")"
run "$B/klog-read" -t x --format '%s %x'
[[ $rc == 2 ]] && grep -q "%x" "$T/err" || fail "bad --format: $rc $(cat "$T/err")"
run "$B/klog-append" -t x -z brotli
[[ $rc == 2 ]] && grep -q "^klog-append: .*brotli" "$T/err" || fail "bad -z: $rc $(cat "$T/err")"
run "$B/klog-append" -t x --flush sometimes
[[ $rc == 2 ]] && grep -q "sometimes" "$T/err" || fail "bad --flush: $rc"
run "$B/klog-append" -t x --batch-bytes 1T
[[ $rc == 2 ]] && grep -q "1T" "$T/err" || fail "bad --batch-bytes: $rc"
run "$B/klog-append" -t x -D '\q'
[[ $rc == 2 ]] && grep -q 'escape' "$T/err" || fail "bad -D escape: $rc"
run "$B/klog-append" -t x -H novalue
[[ $rc == 2 ]] && grep -q "NAME=VALUE" "$T/err" || fail "bad -H: $rc"
[[ ! -e $KLOG_DIR ]] || fail "usage errors created the data dir"
echo ok
