# shellcheck shell=bash
# Shared set-up of the CLI tests (tests/cli/*.sh), sourced right after
# `set -euo pipefail`:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# It is not a test itself: tests/CMakeLists.txt runs only tests/cli/*.sh.
#
# It reads the test's arguments (BUILD_DIR [SOURCE_DIR], as ctest passes
# them) and sets:
#   B    the build directory, absolute (where the klog-* binaries are);
#   SRC  the source directory, absolute (SOURCE_DIR, else the checkout that
#        holds this file);
#   T    a fresh temporary directory, removed when the test exits;
#   PIDS an array: a test appends the pid of every process it starts in the
#        background, and each one still running at exit is killed (SIGKILL)
#        and reaped.
# and defines on_exit, on_fail, fail, run and expect_exit (below).

# shellcheck disable=SC2034  # B, SRC and T are for the sourcing test.
B=$(cd "${1:?usage: $0 BUILD_DIR [SOURCE_DIR]}" && pwd)
SRC=$(cd "${2:-$(dirname "${BASH_SOURCE[0]}")/../../..}" && pwd)
T=$(mktemp -d)
PIDS=()
COMMON_EXIT_HOOKS=()
COMMON_FAIL_HOOKS=()

# on_exit FUNC: FUNC runs when the test exits, whatever the reason, after
# the PIDS are killed and before T is removed; hooks run in the order
# registered.
on_exit() { COMMON_EXIT_HOOKS+=("$1"); }

# on_fail FUNC: fail runs FUNC after its message, to print context (a log
# tail) on stderr; hooks run in the order registered.
on_fail() { COMMON_FAIL_HOOKS+=("$1"); }

# The EXIT trap. It keeps the test's exit status: bash exits with the status
# that triggered the trap, not with the status of the trap's last command.
common_cleanup() {
  local hook p
  for p in "${PIDS[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  for hook in "${COMMON_EXIT_HOOKS[@]}"; do "$hook" || true; done
  rm -rf "$T"
}
trap common_cleanup EXIT

# fail MESSAGE...: prints "FAIL: MESSAGE" and the on_fail context on stderr,
# then exits 1.
fail() {
  echo "FAIL: $*" >&2
  local hook
  for hook in "${COMMON_FAIL_HOOKS[@]}"; do "$hook" >&2 || true; done
  exit 1
}

# run CMD...: runs CMD with its stdout in $T/out and its stderr in $T/err,
# and sets rc to its exit status (never fails the test itself).
run() { rc=0; "$@" >"$T/out" 2>"$T/err" || rc=$?; }

# expect_exit CODE PATTERN CMD...: CMD (stdin closed, at most 60 s) exits
# CODE and its stderr matches the extended regular expression PATTERN; its
# output is left in $T/out and $T/err.
expect_exit() {
  local want=$1 pattern=$2 rc=0
  shift 2
  timeout 60 "$@" </dev/null >"$T/out" 2>"$T/err" || rc=$?
  [[ $rc == "$want" ]] || fail "'$*' exited $rc, not $want: $(cat "$T/err")"
  grep -qE -- "$pattern" "$T/err" || fail "'$*': stderr lacks /$pattern/: $(cat "$T/err")"
}
