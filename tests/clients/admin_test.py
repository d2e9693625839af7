#!/usr/bin/env python3
"""Topic administration through klog-serve with two real admin clients.

Usage: admin_test.py HOST:PORT DATA_DIR BUILD_DIR

Run with /usr/bin/python3 (Debian's python3-kafka 2.0.2 and
python3-confluent-kafka 1.7.0). The broker must have been started on DATA_DIR
with --default-partitions 2; BUILD_DIR holds the klog tools (kept in the
usage for the callers; a local klog-append is refused on a served directory,
so the test holds a partition's writer lock itself, as a stray writer
would). kcat must be on PATH.

kafka-python (CreateTopics v3, DeleteTopics v3, DescribeConfigs v2,
CreatePartitions v1) checks: creation with configs, the broker default
partition count (-1), an explicit replica assignment, and the errors for a bad
config value, an unknown config, a bad name, an existing name, replication
factor 3, a foreign replica assignment and duplicate names; validate_only
creating nothing; describe configs (a set value, defaults, a key filter, an
unknown topic, the broker); create partitions 3 -> 5, then 5 -> 4 and 5 -> 5
refused, validate_only and unknown topics; delete of a topic kcat has written
to (its directories go, Metadata drops it, it can be recreated empty), of an
unknown topic, and of a topic whose writer lock another process holds.

confluent-kafka (librdkafka: CreateTopics v4, DeleteTopics v1,
DescribeConfigs v1, CreatePartitions v0) repeats the main paths. It leaves
topic cf-grow with 5 partitions and retention.ms=5000 for the caller to check
on disk. Exits 1 with a message on the first failure.
"""
import fcntl
import os
import subprocess
import sys

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import (ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions,
                         NewTopic)
import kafka.errors as KE

ADDR, DATA, BUILD = sys.argv[1], sys.argv[2], sys.argv[3]
NODE = "0"


def log(msg):
    print(f"admin_test: {msg}", flush=True)


def fail(msg):
    print(f"admin_test: FAIL: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def expect_error(what, exc_type, fn, text=None):
    """fn() must raise exc_type; its message must contain `text` if given."""
    try:
        fn()
    except exc_type as e:
        if text is not None and text not in str(e):
            fail(f"{what}: {exc_type.__name__} without '{text}': {e}")
        return
    except Exception as e:  # noqa: BLE001 - report the wrong exception
        fail(f"{what}: expected {exc_type.__name__}, got {type(e).__name__}: {e}")
    fail(f"{what}: expected {exc_type.__name__}, got success")


def partition_dirs(topic):
    return sorted(d for d in os.listdir(DATA) if d.rsplit("-", 1)[0] == topic)


def kcat_produce(topic, partition, lines, keyed=False):
    """keyed: each line is KEY:VALUE (a compacted topic refuses keyless records)."""
    subprocess.run(["kcat", "-P", "-b", ADDR, "-t", topic, "-p", str(partition)] +
                   (["-K", ":"] if keyed else []),
                   input="".join(f"{x}\n" for x in lines).encode(), check=True, timeout=30)


def end_offsets(topic, partitions):
    c = KafkaConsumer(bootstrap_servers=ADDR, group_id=None, request_timeout_ms=20000)
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        return [c.end_offsets(tps)[tp] for tp in tps]
    finally:
        c.close()


# ---------------------------------------------------------------- kafka-python

def kp_partitions(admin, topic):
    t = admin.describe_topics([topic])[0]
    check(t["error_code"] == 0, f"describe_topics {topic}: error {t['error_code']}")
    return len(t["partitions"])


def kp_create(admin):
    admin.create_topics([NewTopic("adm-a", 3, 1, topic_configs={
        "retention.ms": "1000", "cleanup.policy": "compact"})])
    check(kp_partitions(admin, "adm-a") == 3, "adm-a does not have 3 partitions")
    check(sorted(partition_dirs("adm-a")) == ["adm-a-0", "adm-a-1", "adm-a-2"],
          f"adm-a directories: {partition_dirs('adm-a')}")
    default = NewTopic("adm-default", 1, 1)
    default.num_partitions = default.replication_factor = -1  # the constructor refuses -1
    admin.create_topics([default])
    check(kp_partitions(admin, "adm-default") == 2, "num_partitions -1 did not use the default 2")
    admin.create_topics([NewTopic("adm-assign", -1, -1, replica_assignments={0: [0], 1: [0]})])
    check(kp_partitions(admin, "adm-assign") == 2, "replica assignment did not give 2 partitions")

    def create(*topics, **kw):
        return lambda: admin.create_topics(list(topics), **kw)
    expect_error("bad config value", KE.InvalidConfigurationError,
                 create(NewTopic("adm-bad", 1, 1, topic_configs={"segment.bytes": "abc"})),
                 "segment.bytes")
    expect_error("unknown config", KE.InvalidConfigurationError,
                 create(NewTopic("adm-bad", 1, 1, topic_configs={"no.such.key": "1"})),
                 "no.such.key")
    expect_error("bad name", KE.InvalidTopicError, create(NewTopic("bad/name", 1, 1)))
    expect_error("existing", KE.TopicAlreadyExistsError, create(NewTopic("adm-a", 1, 1)))
    expect_error("replication factor 3", KE.InvalidReplicationFactorError,
                 create(NewTopic("adm-rf", 1, 3)), "larger than available brokers")
    expect_error("foreign replica", KE.InvalidReplicationAssignmentError,
                 create(NewTopic("adm-ra", -1, -1, replica_assignments={0: [7]})))
    expect_error("duplicate names", KE.InvalidRequestError,
                 create(NewTopic("adm-dup", 1, 1), NewTopic("adm-dup", 1, 1)))
    expect_error("zero partitions", KE.InvalidPartitionsError, create(NewTopic("adm-z", 0, 1)))
    admin.create_topics([NewTopic("adm-v", 4, 1)], validate_only=True)
    expect_error("validate_only, bad config", KE.InvalidConfigurationError,
                 create(NewTopic("adm-v", 1, 1, topic_configs={"retention.ms": "x"}),
                        validate_only=True))
    expect_error("validate_only, existing", KE.TopicAlreadyExistsError,
                 create(NewTopic("adm-a", 1, 1), validate_only=True))
    listed = set(admin.list_topics())
    for t in ("adm-v", "adm-bad", "adm-rf", "adm-ra", "adm-dup", "adm-z", "bad/name"):
        check(t not in listed, f"{t} was created: {sorted(listed)}")
        check(not partition_dirs(t) and not os.path.exists(f"{DATA}/{t}.topic.json"),
              f"{t} has files on disk")
    log("kafka-python CreateTopics ok")


def kp_configs(admin, resource):
    [resp] = admin.describe_configs([resource])
    [res] = resp.resources
    return res[0], res[1], {e[0]: e for e in res[4]}


def kp_describe_configs(admin):
    code, _, entries = kp_configs(admin, ConfigResource(ConfigResourceType.TOPIC, "adm-a"))
    check(code == 0, f"describe adm-a: error {code}")
    # (name, value, read_only, config_source, is_sensitive, synonyms)
    check(entries["retention.ms"][1:4] == ("1000", False, 1), f"{entries['retention.ms']}")
    check(entries["cleanup.policy"][1] == "compact", f"{entries['cleanup.policy']}")
    check(entries["segment.bytes"][1:4] == ("1073741824", False, 5), f"{entries['segment.bytes']}")
    check(entries["max.message.bytes"][1] == "1048588", f"{entries['max.message.bytes']}")
    check(len(entries) == 11, f"expected 11 topic configs, got {sorted(entries)}")
    _, _, only = kp_configs(admin, ConfigResource(ConfigResourceType.TOPIC, "adm-a",
                                                  {"retention.ms": None, "nope": None}))
    check(list(only) == ["retention.ms"], f"filter: {list(only)}")
    code, msg, _ = kp_configs(admin, ConfigResource(ConfigResourceType.TOPIC, "adm-missing"))
    check(code == 3, f"unknown topic: error {code} ({msg})")
    code, _, broker = kp_configs(admin, ConfigResource(ConfigResourceType.BROKER, NODE))
    check(code == 0, f"describe broker: error {code}")
    check(broker["num.partitions"][1:4] == ("2", True, 4), f"{broker['num.partitions']}")
    check(broker["message.max.bytes"][1:3] == ("1048588", True), f"{broker['message.max.bytes']}")
    check(broker["auto.create.topics.enable"][1] == "true", "auto.create.topics.enable")
    log("kafka-python DescribeConfigs ok")


def kp_create_partitions(admin):
    admin.create_partitions({"adm-a": NewPartitions(5)})
    check(kp_partitions(admin, "adm-a") == 5, "adm-a did not grow to 5")
    check(len(partition_dirs("adm-a")) == 5, f"adm-a directories: {partition_dirs('adm-a')}")
    # Produce and ListOffsets see the new partition (adm-a is compacted: keyed).
    kcat_produce("adm-a", 4, ["k:new"], keyed=True)
    check(end_offsets("adm-a", 5) == [0, 0, 0, 0, 1], "write to new partition 4 of adm-a")
    expect_error("5 -> 4", KE.InvalidPartitionsError,
                 lambda: admin.create_partitions({"adm-a": NewPartitions(4)}), "higher than")
    expect_error("5 -> 5", KE.InvalidPartitionsError,
                 lambda: admin.create_partitions({"adm-a": NewPartitions(5)}), "already has 5")
    admin.create_partitions({"adm-a": NewPartitions(7)}, validate_only=True)
    check(kp_partitions(admin, "adm-a") == 5, "validate_only changed the partition count")
    expect_error("unknown topic", KE.UnknownTopicOrPartitionError,
                 lambda: admin.create_partitions({"adm-missing": NewPartitions(2)}))
    expect_error("foreign replica", KE.InvalidReplicationAssignmentError,
                 lambda: admin.create_partitions({"adm-a": NewPartitions(6, [[3]])}))
    admin.create_partitions({"adm-a": NewPartitions(6, [[0]])})
    check(kp_partitions(admin, "adm-a") == 6, "explicit assignment did not grow adm-a to 6")
    code, _, entries = kp_configs(admin, ConfigResource(ConfigResourceType.TOPIC, "adm-a"))
    check(entries["retention.ms"][1] == "1000", "configs lost when adding partitions")
    log("kafka-python CreatePartitions ok")


def kp_delete(admin):
    admin.create_topics([NewTopic("adm-data", 2, 1)])
    kcat_produce("adm-data", 1, [f"m{i}" for i in range(10)])
    check(end_offsets("adm-data", 2) == [0, 10], "kcat's 10 messages are not in adm-data-1")
    admin.delete_topics(["adm-data"])
    check("adm-data" not in admin.list_topics(), "adm-data still listed after delete")
    check(not partition_dirs("adm-data"), f"left on disk: {partition_dirs('adm-data')}")
    check(not os.path.exists(f"{DATA}/adm-data.topic.json"), "adm-data.topic.json left")
    expect_error("delete unknown", KE.UnknownTopicOrPartitionError,
                 lambda: admin.delete_topics(["adm-data"]))
    admin.create_topics([NewTopic("adm-data", 3, 1)])
    check(kp_partitions(admin, "adm-data") == 3, "recreated adm-data lacks 3 partitions")
    check(end_offsets("adm-data", 3) == [0, 0, 0], "recreated adm-data is not empty")
    kcat_produce("adm-data", 1, ["after"])
    kcat_produce("adm-data", 2, ["third"])  # a partition the old topic did not have
    check(end_offsets("adm-data", 3) == [0, 1, 1], "cannot write to the recreated adm-data")

    # Another process holds a partition's writer lock (here this one, through
    # its own open file description, as a stray writer would): nothing is removed.
    admin.create_topics([NewTopic("adm-locked", 1, 1)])
    fd = os.open(f"{DATA}/adm-locked-0/klog.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"pid {os.getpid()} admin_test\n".encode())
        expect_error("delete while locked", KE.UnknownError,
                     lambda: admin.delete_topics(["adm-locked"]))
        check(partition_dirs("adm-locked") == ["adm-locked-0"], "locked topic lost its files")
    finally:
        os.close(fd)
    admin.delete_topics(["adm-locked"])
    check(not partition_dirs("adm-locked"), "adm-locked not deleted after the lock went")
    admin.delete_topics(["adm-default", "adm-assign"])
    log("kafka-python DeleteTopics ok")


def kp_raw(admin, request):
    """Sends one request of a fixed version (the admin client would pick the newest)."""
    f = admin._send_request_to_node(admin._controller_id, request)  # noqa: SLF001
    admin._wait_for_futures([f])  # noqa: SLF001
    return f.value


def kp_old_versions(admin):
    """The oldest versions, which no client here sends by itself."""
    from kafka.protocol.admin import (CreateTopicsRequest, DeleteTopicsRequest,
                                      DescribeConfigsRequest)
    r = kp_raw(admin, CreateTopicsRequest[0](create_topic_requests=[
        ("adm-v0", 2, 1, [], [("retention.ms", "42")]), ("bad/x", 1, 1, [], [])], timeout=10000))
    check(r.topic_errors == [("adm-v0", 0), ("bad/x", 17)], f"CreateTopics v0: {r}")
    r = kp_raw(admin, CreateTopicsRequest[1](create_topic_requests=[
        ("adm-v1", 1, 3, [], [])], timeout=10000, validate_only=True))
    [(name, code, message)] = r.topic_errors
    check(code == 38 and "larger than available brokers" in message, f"CreateTopics v1: {r}")
    r = kp_raw(admin, DescribeConfigsRequest[0](resources=[
        (2, "adm-v0", None), (2, "adm-v0", []), (8, "x", None), (4, "7", None)]))
    [full, empty, logger, other] = r.resources
    entries = {e[0]: e for e in full[4]}
    # (name, value, read_only, is_default, is_sensitive)
    check(entries["retention.ms"][1:4] == ("42", False, False), f"v0 set: {entries['retention.ms']}")
    check(entries["segment.bytes"][1:4] == ("1073741824", False, True),
          f"v0 default: {entries['segment.bytes']}")
    check(empty[0] == 0 and empty[4] == [], f"empty key list: {empty}")
    check(logger[0] == 42 and logger[1], f"resource type 8: {logger}")
    check(other[0] == 42 and "expected 0" in other[1], f"broker 7: {other}")
    r = kp_raw(admin, DeleteTopicsRequest[0](topics=["adm-v0", "adm-v0", "nope"], timeout=10000))
    check(sorted(r.topic_error_codes) == [("adm-v0", 0), ("nope", 3)], f"DeleteTopics v0: {r}")
    check(not partition_dirs("adm-v0"), "adm-v0 not deleted")
    log("kafka-python v0/v1 requests ok")


def kafka_python():
    admin = KafkaAdminClient(bootstrap_servers=ADDR, client_id="admin-test",
                             request_timeout_ms=20000)
    try:
        kp_create(admin)
        kp_describe_configs(admin)
        kp_create_partitions(admin)
        kp_delete(admin)
        kp_old_versions(admin)
    finally:
        admin.close()


# ---------------------------------------------------------------- confluent-kafka

def confluent():
    from confluent_kafka import KafkaError, KafkaException
    from confluent_kafka.admin import (AdminClient, ConfigResource as CR, ConfigSource,
                                       NewPartitions as CNP, NewTopic as CNT)

    admin = AdminClient({"bootstrap.servers": ADDR})

    def wait(futures):
        return {k: f.result(timeout=30) for k, f in futures.items()}

    def expect_code(what, code, futures, text=None):
        for f in futures.values():
            try:
                f.result(timeout=30)
            except KafkaException as e:
                err = e.args[0]
                if err.code() != code:
                    fail(f"{what}: expected {code}, got {err.code()} ({err.str()})")
                if text is not None and text not in err.str():
                    fail(f"{what}: message lacks '{text}': {err.str()}")
                continue
            fail(f"{what}: expected error {code}, got success")

    wait(admin.create_topics([CNT("cf-grow", 3, 1, config={"retention.ms": "5000"})]))
    expect_code("bad config", KafkaError.INVALID_CONFIG,
                admin.create_topics([CNT("cf-bad", 1, 1, config={"retention.ms": "soon"})]),
                "retention.ms")
    expect_code("rf 3", KafkaError.INVALID_REPLICATION_FACTOR,
                admin.create_topics([CNT("cf-rf", 1, 3)]))
    expect_code("exists", KafkaError.TOPIC_ALREADY_EXISTS,
                admin.create_topics([CNT("cf-grow", 1, 1)]))
    wait(admin.create_topics([CNT("cf-v", 2, 1)], validate_only=True))
    md = admin.list_topics(timeout=20)
    check("cf-v" not in md.topics and "cf-bad" not in md.topics, "validate_only created cf-v")
    check(len(md.topics["cf-grow"].partitions) == 3, "cf-grow lacks 3 partitions")

    [entries] = wait(admin.describe_configs([CR("topic", "cf-grow")])).values()
    r = entries["retention.ms"]
    check(r.value == "5000" and not r.is_default and r.source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value,
          f"retention.ms: {r.value} default={r.is_default} source={r.source}")
    s = entries["segment.ms"]
    check(s.value == "604800000" and s.is_default and s.source == ConfigSource.DEFAULT_CONFIG.value,
          f"segment.ms: {s.value} default={s.is_default} source={s.source}")
    [broker] = wait(admin.describe_configs([CR("broker", NODE)])).values()
    check(broker["socket.request.max.bytes"].is_read_only, "broker settings are not read-only")
    expect_code("describe unknown", KafkaError.UNKNOWN_TOPIC_OR_PART,
                admin.describe_configs([CR("topic", "cf-missing")]))

    wait(admin.create_partitions([CNP("cf-grow", 5)]))
    expect_code("5 -> 4", KafkaError.INVALID_PARTITIONS,
                admin.create_partitions([CNP("cf-grow", 4)]))
    wait(admin.create_partitions([CNP("cf-grow", 9)], validate_only=True))
    md = admin.list_topics(topic="cf-grow", timeout=20)
    check(len(md.topics["cf-grow"].partitions) == 5, "cf-grow does not have 5 partitions")

    wait(admin.create_topics([CNT("cf-del", 2, 1)]))
    kcat_produce("cf-del", 0, ["x", "y"])
    wait(admin.delete_topics(["cf-del"], operation_timeout=20))
    check(not partition_dirs("cf-del"), f"cf-del left on disk: {partition_dirs('cf-del')}")
    expect_code("delete unknown", KafkaError.UNKNOWN_TOPIC_OR_PART,
                admin.delete_topics(["cf-del"], operation_timeout=20))
    log("confluent-kafka admin ok")


if __name__ == "__main__":
    kafka_python()
    confluent()
    log("all ok")
