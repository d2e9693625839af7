"""Helpers for the follow-lag benchmark of bench/replicate.sh. Run with
/usr/bin/python3 (Debian's python3-confluent-kafka).

usage: replicate_lag.py produce BOOTSTRAP TOPIC RATE SECONDS READY_FILE...
       replicate_lag.py measure LABEL COUNT READY_FILE

produce: sends warm-up records (a value of 19 zeros) every 100 ms until
every READY_FILE exists (at most 30 s), then RATE records/s for SECONDS.
Each timed record's value is its send time (CLOCK_MONOTONIC ns, 19 digits)
padded to 100 bytes. Prints the number sent.

measure: reads lines (a value each, e.g. from klog-read --format '%s\\n')
from standard input; creates READY_FILE at the first warm-up record and
takes, for each timed one, the time it was read minus its send time. Stops
after COUNT timed records or at end of input; prints one line with the
percentiles. Every process on the machine shares CLOCK_MONOTONIC, so the
producer's and the reader's clocks are the same clock."""
import os
import sys
import time

WIDTH = 19
PAD = b"x" * (100 - WIDTH)


def produce(addr, topic, rate, seconds, ready):
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": addr, "linger.ms": 0, "acks": 1})
    deadline = time.monotonic() + 30
    while not all(os.path.exists(f) for f in ready):
        if time.monotonic() > deadline:
            sys.exit("replicate_lag.py: the readers saw no warm-up record in 30 s")
        producer.produce(topic, b"0" * WIDTH + PAD)
        producer.flush(5)
        time.sleep(0.1)
    time.sleep(0.5)  # let the last warm-up records drain
    total = int(rate * seconds)
    start = time.monotonic()
    for i in range(total):
        due = start + i / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        producer.produce(topic, b"%019d" % time.monotonic_ns() + PAD)
        producer.poll(0)
    left = producer.flush(30)
    print(total - left)


def measure(label, count, ready):
    lat = []
    seen_ready = False
    for line in sys.stdin.buffer:
        now = time.monotonic_ns()
        sent = int(line[:WIDTH]) if line[:WIDTH].isdigit() else -1
        if sent == 0:
            if not seen_ready:
                open(ready, "w").close()
                seen_ready = True
            continue
        if sent > 0:
            lat.append(now - sent)
            if len(lat) >= count:
                break
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(len(lat) * p))] / 1000 if lat else float("nan")

    print("  %-34s %d of %d records: p50 %7.0f us  p99 %7.0f us  p99.9 %7.0f us  max %7.0f us"
          % (label, len(lat), count, pct(0.5), pct(0.99), pct(0.999), pct(1.0)))
    sys.stdout.flush()
    return 0 if len(lat) == count else 1


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "produce":
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6:])
    elif len(sys.argv) == 5 and sys.argv[1] == "measure":
        sys.exit(measure(sys.argv[2], int(sys.argv[3]), sys.argv[4]))
    else:
        sys.exit(__doc__)
