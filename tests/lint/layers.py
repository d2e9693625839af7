#!/usr/bin/env python3
"""The include rule of libklog/README.md, checked.

Every C++ file of libklog/ and tools/ belongs to one layer (LAYER_OF, first
matching prefix wins; a public header belongs to the layer of the code behind
it). A layer may include its own files and those of the layers listed in
MAY_INCLUDE; anything else is an include that goes the wrong way, printed as
"file:line: layer includes path (layer)". Exit 0 clean, 1 violations, 2 usage.

Usage: layers.py [SOURCE_DIR]
"""
import os
import re
import sys

# (path prefix, layer). Public headers first: each one lives with its code.
LAYER_OF = [
    ("libklog/include/klog/status.h", "util"),
    ("libklog/include/klog/checksum.h", "util"),
    ("libklog/include/klog/text.h", "util"),
    ("libklog/include/klog/coding.h", "util"),
    ("libklog/include/klog/record.h", "record"),
    ("libklog/include/klog/batch_format.h", "record"),
    ("libklog/include/klog/batch_frame.h", "record"),
    ("libklog/include/klog/batch_list.h", "record"),
    ("libklog/include/klog/batch_check.h", "record"),
    ("libklog/include/klog/compression.h", "record"),
    ("libklog/include/klog/partitioner.h", "record"),
    ("libklog/include/klog/segment.h", "storage"),
    ("libklog/include/klog/index.h", "storage"),
    ("libklog/include/klog/log.h", "storage"),
    ("libklog/include/klog/filename.h", "storage"),
    ("libklog/include/klog/topic.h", "storage"),
    ("libklog/include/klog/cleaner.h", "storage"),
    ("libklog/include/klog/topic_appender.h", "storage"),
    ("libklog/include/klog/log_dir_files.h", "storage"),
    ("libklog/include/klog/group.h", "groups"),
    ("libklog/include/klog/offsets_record.h", "groups"),
    ("libklog/include/klog/dump.h", "dump"),
    ("libklog/include/klog/", None),  # a new public header must be placed above
    ("libklog/util/", "util"),
    ("libklog/record/", "record"),
    ("libklog/storage/", "storage"),  # storage/cleaner/ is part of storage
    ("libklog/groups/", "groups"),
    ("libklog/dump/", "dump"),
    ("libklog/proto/", "proto"),
    ("libklog/client/", "client"),
    ("libklog/cluster/", "cluster"),
    # The broker's base: configuration, the diagnostics log and running work
    # on the pool, which the partition layer below the broker uses too.
    ("libklog/broker/config.", "broker-base"),
    ("libklog/broker/diagnostics", "broker-base"),
    ("libklog/broker/background", "broker-base"),
    ("libklog/partition/", "partition"),
    ("libklog/replica/", "replica"),
    ("libklog/broker/", "broker"),
    ("tools/cli/kafka/", "cli-kafka"),
    ("tools/cli/local/", "cli-local"),
    ("tools/cli/replicate/", "cli-replicate"),
    ("tools/cli/", "cli"),
    ("tools/klog-serve.cpp", "serve-main"),
    ("tools/", "tool-main"),
]

LIBRARY = ["util", "record", "storage", "groups", "dump"]
MAY_INCLUDE = {
    "util": [],
    "record": ["util"],
    "storage": ["util", "record"],
    "groups": ["util", "record", "storage"],
    "dump": ["util", "record", "storage", "groups"],
    "proto": ["util", "record"],
    "client": ["util", "record", "proto"],
    "cluster": ["util"],
    "broker-base": ["util"],
    "partition": ["util", "record", "storage", "broker-base"],
    "broker": LIBRARY + ["proto", "client", "broker-base", "partition", "cluster"],
    "cli": LIBRARY,
    "cli-local": LIBRARY + ["cli"],
    "cli-kafka": LIBRARY + ["cli", "cli-local"],
    "replica": LIBRARY + ["proto", "client"],
    "cli-replicate": LIBRARY + ["cli", "replica", "client"],
    "tool-main": LIBRARY + ["cli", "cli-local", "cli-kafka", "cli-replicate", "replica", "client",
                           "cluster"],
    "serve-main": LIBRARY + ["cli", "broker-base", "broker", "client"],
}

# Includes that still go the wrong way, each with the work that removes it.
# An entry that no longer matches anything is an error too, so the list only
# shrinks.
KNOWN = {
}

INCLUDE_ROOTS = ["libklog/include", "libklog", "tools"]
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    for prefix, layer in LAYER_OF:
        if path.startswith(prefix):
            return layer
    return None


def resolve(src, name, root):
    for base in [os.path.dirname(src)] + INCLUDE_ROOTS:
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, candidate)):
            return candidate
    return None


def sources(root):
    for top in ("libklog", "tools"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".h", ".cpp")):
                    yield os.path.relpath(os.path.join(d, f), root)


def main():
    if len(sys.argv) > 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = sys.argv[1] if len(sys.argv) == 2 else "."
    errors, used = [], set()
    for src in sorted(sources(root)):
        own = layer_of(src)
        if own is None:
            errors.append(f"{src}: in no layer (add it to tests/lint/layers.py)")
            continue
        text = open(os.path.join(root, src), encoding="utf-8").read()
        for m in INCLUDE_RE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            target = resolve(src, m.group(1), root)
            if target is None:
                errors.append(f"{src}:{line}: \"{m.group(1)}\" not found under {INCLUDE_ROOTS}")
                continue
            other = layer_of(target)
            if other == own or other in MAY_INCLUDE[own]:
                continue
            if (src, target) in KNOWN:
                used.add((src, target))
                continue
            errors.append(f"{src}:{line}: {own} includes {target} ({other})")
    for stale in sorted(set(KNOWN) - used):
        errors.append(f"{stale[0]}: no longer includes {stale[1]}: remove it from KNOWN")
    for e in errors:
        print("layers: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
