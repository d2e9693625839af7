#!/usr/bin/env python3
"""A TCP proxy between a Kafka client and a broker that damages chosen
responses, for the fault tests: what a broken network or a broken broker
would send. It prints its listening address (127.0.0.1:PORT, an ephemeral
port) on stdout and serves until killed.

  fault_proxy.py UPSTREAM_HOST:PORT --corrupt-fetch N

UPSTREAM "-" reads HOST:PORT from the first line of stdin once the
listening address is printed: a broker can then be started that advertises
the proxy's address (klog-serve --advertise), so that clients keep coming
through the proxy after Metadata, and be told afterwards.

--corrupt-fetch N: the Nth Fetch response (1-based) that is large enough to
carry records has one byte flipped 12 bytes before its end, which is inside
the value of the last record of the last batch of the response (the frame
ends with that value, then a few bytes of headers count and tagged fields),
so that batch fails its CRC-32C. Every other byte passes unchanged.

Requests are read frame by frame (size, api key, version, correlation id)
only to know which response answers a Fetch; responses are matched to them
by correlation id. One thread per direction per connection; the proxy
never buffers more than one frame."""

import argparse
import socket
import struct
import sys
import threading

FETCH = 1
# A Fetch response this small holds no batch worth damaging (a batch header
# alone is 61 bytes).
MIN_RECORDS_FRAME = 200
FLIP_FROM_END = 12


class Faults:
    def __init__(self, corrupt_fetch):
        self.lock = threading.Lock()
        self.corrupt_fetch = corrupt_fetch
        self.fetches_seen = 0

    def damage(self, frame):
        """Returns the frame to pass on for a Fetch response."""
        if self.corrupt_fetch <= 0 or len(frame) < MIN_RECORDS_FRAME:
            return frame
        with self.lock:
            self.fetches_seen += 1
            if self.fetches_seen != self.corrupt_fetch:
                return frame
        out = bytearray(frame)
        out[-FLIP_FROM_END] ^= 0xFF
        sys.stderr.write("fault_proxy: damaged fetch response %d (%d bytes)\n"
                         % (self.fetches_seen, len(frame)))
        return bytes(out)


def read_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def read_frame(sock):
    head = read_exact(sock, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">i", head)
    body = read_exact(sock, size)
    return None if body is None else head + body


def client_to_broker(client, broker, pending):
    """Passes requests on, noting which correlation ids are Fetches."""
    try:
        while True:
            frame = read_frame(client)
            if frame is None:
                break
            api_key, _version, corr = struct.unpack(">hhi", frame[4:12])
            if api_key == FETCH:
                pending.add(corr)
            broker.sendall(frame)
    except OSError:
        pass
    finally:
        for s in (client, broker):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def broker_to_client(broker, client, pending, faults):
    try:
        while True:
            frame = read_frame(broker)
            if frame is None:
                break
            (corr,) = struct.unpack(">i", frame[4:8])
            if corr in pending:
                pending.discard(corr)
                frame = faults.damage(frame)
            client.sendall(frame)
    except OSError:
        pass
    finally:
        for s in (client, broker):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listener, upstream, faults):
    while True:
        client, _ = listener.accept()
        broker = socket.create_connection(upstream, timeout=10)
        broker.settimeout(None)
        pending = set()
        threading.Thread(target=client_to_broker, args=(client, broker, pending),
                         daemon=True).start()
        threading.Thread(target=broker_to_client, args=(broker, client, pending, faults),
                         daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("upstream", help="HOST:PORT of the broker")
    ap.add_argument("--corrupt-fetch", type=int, default=0, metavar="N")
    args = ap.parse_args()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    upstream = args.upstream if args.upstream != "-" else sys.stdin.readline().strip()
    host, port = upstream.rsplit(":", 1)
    serve(listener, (host, int(port)), Faults(args.corrupt_fetch))


if __name__ == "__main__":
    main()
