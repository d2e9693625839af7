#!/usr/bin/env bash
# Consumer groups against klog-serve, with the two Python clients Debian ships
# (tests/clients/groups_*.py say what each step checks):
#   (a) three confluent-kafka members share a 6-partition topic of 30,000
#       records; one leaves with close(), one is SIGKILLed; nothing is lost
#       and the committed offsets end at the log end;
#   (b) a consumer resumes at exactly the offsets another one committed;
#   (c) the same across a broker restart (SIGTERM, start on the same dir);
#   (d) kafka-python: subscribe, consume, commit, resume, admin list/describe/
#       delete of groups;
#   (e) two groups each receive every record;
# and, byte by byte (groups_wire.py), the coordinator's error cases, session
# expiry, static members, LeaveGroup v3, DescribeGroups and DeleteGroups.
# Then, with the broker stopped, klog-dump --verify checks __consumer_offsets,
# and Metadata for all topics must not list it. Needs /usr/bin/python3.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/broker.sh"
PY=/usr/bin/python3
for mod in confluent_kafka:python3-confluent-kafka kafka:python3-kafka; do
  $PY -c "import ${mod%%:*}" 2>/dev/null || fail "$PY cannot import ${mod%%:*} (install ${mod#*:})"
done
D=$T/data
N=30000
G=$SRC/tests/clients/groups_confluent.py

step() {
  echo "== $*"
  timeout 120 $PY "$@" || fail "$(basename "$1") ${*:3}: exit $? (124 = timed out)"
}

broker_start -d "$D"
step "$G" "$ADDR" produce grp $N
step "$SRC/tests/clients/groups_wire.py" "${ADDR##*:}" grp
step "$G" "$ADDR" members grp $N "$T"
step "$G" "$ADDR" resume1 grp $N g-resume "$T/resume.json"
step "$G" "$ADDR" resume2 grp $N g-resume "$T/resume.json"
step "$G" "$ADDR" resume1 grp $N g-restart "$T/restart.json"
broker_restart
step "$G" "$ADDR" resume2 grp $N g-restart "$T/restart.json"
grep -q "loaded [1-9][0-9]* offset record(s)" "$T/log" || fail "no offsets loaded at restart"
step "$SRC/tests/clients/groups_kafka_python.py" "$ADDR" grp $N
step "$G" "$ADDR" twogroups grp $N

# __consumer_offsets is internal: not in a Metadata for all topics.
kcat_list=$($PY - "$ADDR" <<'EOF'
import sys
from confluent_kafka.admin import AdminClient
md = AdminClient({"bootstrap.servers": sys.argv[1]}).list_topics(timeout=10)
print(" ".join(sorted(md.topics)))
EOF
)
[[ $kcat_list == grp ]] || fail "Metadata lists: '$kcat_list' (want only grp)"

# A JoinGroup held when the broker stops is answered at once (15), so the
# shutdown does not wait out its grace period for it.
$PY "$SRC/tests/clients/groups_wire.py" "${ADDR##*:}" grp shutdown >"$T/held" 2>&1 &
HELD=$!
for ((i = 0; i < 100; i++)); do
  grep -q held "$T/held" && break
  sleep 0.1
done
grep -q held "$T/held" || fail "no held JoinGroup: $(cat "$T/held")"
t0=$(date +%s%N)
broker_stop
ms=$((($(date +%s%N) - t0) / 1000000))
wait "$HELD" || fail "held JoinGroup at shutdown: $(cat "$T/held")"
((ms < 3000)) || fail "shutdown with a held JoinGroup took $ms ms"

# The offsets topic is a valid log in Kafka's format, readable like any topic.
"$B/klog-dump" --verify "$D"/__consumer_offsets-* >"$T/verify" 2>&1 ||
  fail "klog-dump --verify __consumer_offsets: $(tail -n 5 "$T/verify")"
echo "serve_groups: ok"
