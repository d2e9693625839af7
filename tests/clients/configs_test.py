#!/usr/bin/env python3
"""Topic configs, retention and DeleteRecords through klog-serve (see
tests/cli/serve_configs.sh). Usage: configs_test.py HOST:PORT

confluent-kafka's AdminClient drives AlterConfigs and DescribeConfigs;
IncrementalAlterConfigs and DeleteRecords, which no installed client sends,
go over a raw socket (v0 of each)."""
import socket
import struct
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic

ADDR = sys.argv[1]
HOST, PORT = ADDR.rsplit(":", 1)


def check(cond, what):
    if not cond:
        print("FAIL: " + what, file=sys.stderr)
        sys.exit(1)


def string(s):
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def raw_call(api_key, version, body):
    """Sends one request (header v1) and returns the response body after the correlation id."""
    header = struct.pack(">hhi", api_key, version, 7) + string("configs-test")
    msg = header + body
    with socket.create_connection((HOST, int(PORT)), timeout=10) as s:
        s.sendall(struct.pack(">i", len(msg)) + msg)
        size = struct.unpack(">i", recv_exact(s, 4))[0]
        data = recv_exact(s, size)
    check(struct.unpack(">i", data[:4])[0] == 7, "correlation id")
    return data[4:]


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        check(chunk, "connection closed by the broker")
        out += chunk
    return out


def delete_records(topic, partition, offset):
    body = struct.pack(">i", 1) + string(topic) + struct.pack(">iiq", 1, partition, offset)
    body += struct.pack(">i", 5000)
    data = raw_call(21, 0, body)
    # throttle, [name, [partition, low_watermark, error]]
    pos = 4 + 4
    n = struct.unpack(">h", data[pos:pos + 2])[0]
    pos += 2 + n + 4
    part, low, err = struct.unpack(">iqh", data[pos:pos + 14])
    return low, err


def incremental_alter(topic, ops):
    """ops: [(name, op, value or None)]. Returns (error_code, message)."""
    body = struct.pack(">i", 1) + struct.pack(">b", 2) + string(topic) + struct.pack(">i", len(ops))
    for name, op, value in ops:
        body += string(name) + struct.pack(">b", op)
        body += struct.pack(">h", -1) if value is None else string(value)
    body += b"\x00"
    data = raw_call(44, 0, body)
    pos = 4 + 4
    err = struct.unpack(">h", data[pos:pos + 2])[0]
    return err


def configs_of(admin, topic):
    res = ConfigResource(ConfigResource.Type.TOPIC, topic)
    return {k: v for k, v in admin.describe_configs([res])[res].result(20).items()}


def watermarks(topic):
    c = Consumer({"bootstrap.servers": ADDR, "group.id": "configs-test"})
    try:
        return c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10)
    finally:
        c.close()


admin = AdminClient({"bootstrap.servers": ADDR})
admin.create_topics([NewTopic("rt", 1, 1, config={"segment.bytes": "1024"})])["rt"].result(20)

p = Producer({"bootstrap.servers": ADDR, "linger.ms": 0, "batch.num.messages": 1})
for i in range(60):
    p.produce("rt", value=("message-%03d-" % i + "x" * 100).encode())
    p.flush(10)
check(watermarks("rt") == (0, 60), "60 records in rt: %r" % (watermarks("rt"),))

# AlterConfigs replaces the whole set; DescribeConfigs shows it as dynamic.
res = ConfigResource(ConfigResource.Type.TOPIC, "rt",
                     set_config={"segment.bytes": "1024", "max.message.bytes": "5000"})
admin.alter_configs([res])[res].result(20)
cfg = configs_of(admin, "rt")
check(cfg["max.message.bytes"].value == "5000", "max.message.bytes after alter")
check(cfg["segment.bytes"].value == "1024", "segment.bytes kept")
check(not cfg["max.message.bytes"].is_default, "altered config is not a default")

# A bad value is refused and changes nothing.
bad = ConfigResource(ConfigResource.Type.TOPIC, "rt", set_config={"segment.bytes": "x"})
try:
    admin.alter_configs([bad])[bad].result(20)
    check(False, "bad segment.bytes accepted")
except Exception as e:  # KafkaException with INVALID_CONFIG
    check("INVALID_CONFIG" in str(e) or "segment.bytes" in str(e), "error names the problem: %s" % e)
check(configs_of(admin, "rt")["segment.bytes"].value == "1024", "bad alter changed nothing")

# The new max.message.bytes reaches the open writer: a 6000-byte record is refused.
p2 = Producer({"bootstrap.servers": ADDR, "linger.ms": 0, "compression.type": "none",
               "message.max.bytes": 100000})
errors = []
p2.produce("rt", value=b"y" * 6000, on_delivery=lambda err, msg: errors.append(err))
p2.flush(10)
check(errors and errors[0] is not None, "6000-byte record over max.message.bytes was accepted")

# IncrementalAlterConfigs: SET retention.bytes, DELETE max.message.bytes.
check(incremental_alter("rt", [("retention.bytes", 0, "2500"), ("max.message.bytes", 1, None)])
      == 0, "IncrementalAlterConfigs failed")
cfg = configs_of(admin, "rt")
check(cfg["retention.bytes"].value == "2500", "retention.bytes set incrementally")
check(cfg["max.message.bytes"].is_default, "max.message.bytes deleted back to the default")
check(incremental_alter("rt", [("no.such.config", 0, "1")]) == 40, "unknown key is INVALID_CONFIG")

# The retention check (every 300 ms in the test config) deletes old segments.
deadline = time.time() + 15
while time.time() < deadline and watermarks("rt")[0] == 0:
    time.sleep(0.3)
low, high = watermarks("rt")
check(low > 0 and high == 60, "retention advanced the log start: %r" % ((low, high),))

# DeleteRecords: to 50, then beyond the end is refused.
new_low, err = delete_records("rt", 0, 50)
check(err == 0 and new_low == 50, "DeleteRecords to 50: low %d error %d" % (new_low, err))
check(watermarks("rt") == (50, 60), "watermarks after DeleteRecords: %r" % (watermarks("rt"),))
check(delete_records("rt", 0, 61)[1] == 1, "DeleteRecords past the end is OFFSET_OUT_OF_RANGE")
check(delete_records("nope", 0, 1)[1] == 3, "unknown topic is UNKNOWN_TOPIC_OR_PARTITION")
print("configs_test: ok")
