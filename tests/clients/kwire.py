"""A minimal Kafka wire client for klog-serve's protocol tests: builds
RecordBatch v2 bytes and Produce / Fetch / ListOffsets requests of chosen
versions, and parses their responses, so a test can send exactly the bytes
it means (including wrong ones). Written from the Kafka protocol spec."""

import socket
import struct

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(n):
    z = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        if z < 0x80:
            out.append(z)
            return bytes(out)
        out.append((z & 0x7F) | 0x80)
        z >>= 7


def batch(values, keys=None, ts=1700000000000, attributes=0, magic=2, count=None,
          last_delta=None, bad_crc=False):
    """One RecordBatch v2 holding `values` (bytes); BaseOffset 0."""
    recs = b""
    for i, v in enumerate(values):
        k = keys[i] if keys else None
        body = b"\x00" + varint(0) + varint(i)
        body += varint(-1) if k is None else varint(len(k)) + k
        body += varint(len(v)) + v + varint(0)
        recs += varint(len(body)) + body
    n = len(values) if count is None else count
    delta = len(values) - 1 if last_delta is None else last_delta
    after_crc = struct.pack(">hiqqqhii", attributes, delta, ts, ts, -1, -1, -1, n) + recs
    crc = crc32c(after_crc) ^ (1 if bad_crc else 0)
    rest = struct.pack(">ibI", -1, magic, crc) + after_crc
    return struct.pack(">qi", 0, len(rest)) + rest


def string(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">h", len(b)) + b


def frame(key, version, corr, body, client=b"kwire"):
    msg = struct.pack(">hhih", key, version, corr, len(client)) + client + body
    return struct.pack(">i", len(msg)) + msg


def produce(version, topic, partition, records, acks=-1, corr=1, timeout_ms=5000):
    body = b""
    if version >= 3:
        body += struct.pack(">h", -1)  # transactional_id null
    body += struct.pack(">hi", acks, timeout_ms)
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1)
    body += struct.pack(">ii", partition, len(records)) + records
    return frame(0, version, corr, body)


def fetch(version, parts, max_wait_ms=0, min_bytes=0, max_bytes=0x7FFFFFFF, corr=1):
    """parts: list of (topic, partition, offset, partition_max_bytes), one topic each."""
    body = struct.pack(">iiii", -1, max_wait_ms, min_bytes, max_bytes)
    body += b"\x00"  # isolation level (v4+)
    if version >= 7:
        body += struct.pack(">ii", 0, -1)
    body += struct.pack(">i", len(parts))
    for topic, part, offset, pmax in parts:
        body += string(topic) + struct.pack(">i", 1) + struct.pack(">i", part)
        if version >= 9:
            body += struct.pack(">i", -1)
        body += struct.pack(">q", offset)
        if version >= 5:
            body += struct.pack(">q", -1)
        body += struct.pack(">i", pmax)
    if version >= 7:
        body += struct.pack(">i", 0)
    if version >= 11:
        body += string("")
    return frame(1, version, corr, body)


def list_offsets(version, topic, partition, timestamp, corr=1):
    body = struct.pack(">i", -1)
    if version >= 2:
        body += b"\x00"
    body += struct.pack(">i", 1) + string(topic) + struct.pack(">i", 1)
    body += struct.pack(">iq", partition, timestamp)
    if version == 0:
        body += struct.pack(">i", 1)
    return frame(2, version, corr, body)


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v if len(v) > 1 else v[0]

    def string(self):
        n = self.take(">h")
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def bytes(self):
        n = self.take(">i")
        if n < 0:
            return None
        b = self.d[self.p:self.p + n]
        self.p += n
        return b


def parse_produce(version, f):
    """-> (corr, [(partition, error, base_offset, log_append_time, log_start)])"""
    r = Reader(f)
    corr = r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            part, err, base = r.take(">ihq")
            lat = r.take(">q") if version >= 2 else -1
            start = r.take(">q") if version >= 5 else -1
            out.append((part, err, base, lat, start))
    if version >= 1:
        r.take(">i")
    assert r.p == len(f), "trailing bytes in Produce response"
    return corr, out


def parse_fetch(version, f):
    """-> (corr, [dict(partition, error, hw, lso, log_start, aborted, records)])"""
    r = Reader(f)
    corr = r.take(">i")
    r.take(">i")  # throttle
    if version >= 7:
        r.take(">hi")
    out = []
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            part, err, hw, lso = r.take(">ihqq")
            start = r.take(">q") if version >= 5 else -1
            n_aborted = r.take(">i")
            for _ in range(max(n_aborted, 0)):
                r.take(">qq")
            if version >= 11:
                r.take(">i")
            raw_len = struct.unpack_from(">i", f, r.p)[0]
            records = r.bytes()
            out.append(dict(partition=part, error=err, hw=hw, lso=lso, log_start=start,
                            aborted=n_aborted, records=records, records_len=raw_len))
    assert r.p == len(f), "trailing bytes in Fetch response"
    return corr, out


def parse_list_offsets(version, f):
    r = Reader(f)
    corr = r.take(">i")
    if version >= 2:
        r.take(">i")
    out = []
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            part, err = r.take(">ih")
            if version == 0:
                offs = [r.take(">q") for _ in range(r.take(">i"))]
                out.append((part, err, -1, offs[0] if offs else -1))
            else:
                ts, off = r.take(">qq")
                out.append((part, err, ts, off))
    return corr, out


def batches(records):
    """Splits fetched bytes into (base_offset, count, attributes) of whole batches."""
    out = []
    p = 0
    while len(records) - p >= 61:
        base, length = struct.unpack_from(">qi", records, p)
        if p + 12 + length > len(records):
            break
        attrs, delta = struct.unpack_from(">hi", records, p + 21)
        out.append((base, delta + 1, attrs))
        p += 12 + length
    return out


class Conn:
    def __init__(self, port, timeout=10.0):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def send(self, data):
        self.s.sendall(data)

    def recv(self):
        size = struct.unpack(">i", self._exact(4))[0]
        return self._exact(size)

    def call(self, data):
        self.send(data)
        return self.recv()

    def _exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("connection closed after %d of %d bytes" % (len(buf), n))
            buf += chunk
        return buf

    def close(self):
        self.s.close()
