# shellcheck shell=bash
# klog-serve for the CLI tests, sourced after lib/common.sh:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
#
# One broker at a time is "the" broker, started by broker_start and known by
#   PID      its process id (empty once stopped);
#   ADDR     the HOST:PORT it printed on stdout (the bound ephemeral port);
#   METRICS  the HOST:PORT of its "metrics on" log line, if it logged one.
# Its stderr goes to $BROKER_LOG, emptied at each start; fail prints the
# last 40 lines of it. Every broker started is SIGKILLed at exit if it is
# still running, whatever the reason for the exit; none is left behind.
#
# Settings a test may change (after sourcing this file, before broker_start):
#   BROKER_LOG      the broker's stderr (default $T/log);
#   BROKER_METRICS  1: the broker must log "metrics on HOST:PORT" at start-up
#                   (it is started with --metrics, or metrics.listen).
#   BROKER_LISTEN   the address to listen on (default 127.0.0.1:0, an
#                   ephemeral port; set it to $ADDR to restart on the same).

BROKER_LOG=$T/log
BROKER_METRICS=0
BROKER_LISTEN=127.0.0.1:0
BROKER_ARGS=()
BROKER_PIDS=()
PID=
ADDR=
METRICS=

# broker_log_tail: the last 40 lines of the broker's log, for fail.
broker_log_tail() {
  [[ -f $BROKER_LOG ]] || return 0
  tail -n 40 "$BROKER_LOG" | sed 's/^/  serve log: /'
}

# broker_cleanup: SIGKILL to every broker still running, each reaped (so it
# is gone when the test ends, and quietly: no "Killed" notice). The EXIT hook.
broker_cleanup() {
  local p
  for p in "${BROKER_PIDS[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
}

on_fail broker_log_tail
on_exit broker_cleanup

# broker_forget PID: PID has been reaped; the cleanup must not signal it
# (the number may belong to another process by then).
broker_forget() {
  local p kept=()
  for p in "${BROKER_PIDS[@]}"; do [[ $p == "$1" ]] || kept+=("$p"); done
  BROKER_PIDS=("${kept[@]}")
}

# broker_start [ARGS...]: starts `klog-serve --listen $BROKER_LISTEN ARGS...`
# and waits (at most 10 s) for the address on its stdout; sets PID, ADDR and
# METRICS. Fails if the broker exits first or prints no 127.0.0.1 address
# with a real port.
broker_start() {
  BROKER_ARGS=("$@")
  : >"$T/addr"
  : >"$BROKER_LOG"
  "$B/klog-serve" --listen "$BROKER_LISTEN" "$@" >"$T/addr" 2>"$BROKER_LOG" &
  PID=$!
  BROKER_PIDS+=("$PID")
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -s $T/addr ]] && break
    # A fixed port is not printed on stdout; the log says when it listens.
    [[ ${BROKER_LISTEN##*:} != 0 ]] && grep -q 'info: listening on' "$BROKER_LOG" &&
      echo "$BROKER_LISTEN" >"$T/addr" && break
    kill -0 "$PID" 2>/dev/null || fail "klog-serve exited at start-up"
    sleep 0.05
  done
  ADDR=$(head -n1 "$T/addr")
  [[ $ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "no address on stdout: '$ADDR'"
  [[ ${ADDR#*:} != 0 ]] || fail "printed port 0, not the bound port"
  METRICS=$(sed -n 's/^klog-serve: info: metrics on //p' "$BROKER_LOG")
  [[ $BROKER_METRICS == 1 ]] || return 0
  [[ $METRICS =~ ^127\.0\.0\.[0-9]+:[0-9]+$ ]] || fail "no 'metrics on' line: '$METRICS'"
  [[ ${METRICS##*:} != 0 ]] || fail "logged port 0, not the bound metrics port"
}

# broker_stop [SECONDS [SIGNAL]]: sends SIGNAL (default TERM) to the broker,
# which must exit with status 0 within SECONDS (default 10). One still running
# then is killed with SIGKILL (said on stderr) and the test fails.
# shellcheck disable=SC2120  # callers pass SECONDS and SIGNAL
broker_stop() {
  local secs=${1:-10} sig=${2:-TERM} i rc=0
  kill -"$sig" "$PID" 2>/dev/null || true
  for ((i = 0; i < secs * 20; i++)); do
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$PID" 2>/dev/null; then
    echo "broker: klog-serve pid $PID still running $secs s after SIG$sig; killing it with SIGKILL" >&2
    broker_kill
    fail "klog-serve still running $secs s after SIG$sig"
  fi
  wait "$PID" || rc=$?
  broker_forget "$PID"
  PID=
  [[ $rc == 0 ]] || fail "klog-serve exited $rc after SIG$sig"
}

# broker_kill: SIGKILL to the broker (a crash, on purpose), reaped quietly.
broker_kill() {
  kill -KILL "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  broker_forget "$PID"
  PID=
}

# broker_restart: stops the broker if it runs (broker_stop), then starts it
# again with the arguments of the last broker_start (same data directory).
broker_restart() {
  [[ -z $PID ]] || broker_stop
  broker_start "${BROKER_ARGS[@]}"
}
