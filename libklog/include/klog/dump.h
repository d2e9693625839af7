// clang-format off
// klog-dump as library code: prints what is in segment files (.log, .index,
// .timeindex, .xxh3) or in whole partition directories, and verifies them.
// The klog-dump tool is a thin shell around Dump(). man/klog-dump.1 copies
// the formats below; they are stable (tests/golden/ holds an example), one
// line per item, so dumps can be read by people and compared with diff.
//
// Text format (default). A path is printed as it was given. Bytes (keys,
// values, header names and values) are printed in double quotes with
// printable ASCII as is, `"` as \" and `\` as \\, every other byte as \xHH;
// a null key or value prints as null. Optional batch fields appear only when
// they differ from the default, always in this order, just before "crc:":
// "timestampType: LogAppendTime", "transactional: true", "control: true",
// "producerId: P producerEpoch: E baseSequence: S" (when producerId >= 0),
// "leaderEpoch: N" (when not 0), "deleteHorizon: MS" (a compacted batch
// keeping tombstones, attribute bit 6: its baseTimestamp is the horizon; in
// JSON "deleteHorizon":MS after "leaderEpoch", present only then).
//
//   log: DIR/00000000000000000000.log size: 422
//   baseOffset: 0 lastOffset: 0 count: 1 position: 0 size: 70 baseTimestamp: 1700000000000 maxTimestamp: 1700000000000 codec: none crc: 0xbbcc4115 ok
//   | offset: 0 timestamp: 1700000000000 key: null value: "hi" headers: []
//   | offset: 1 timestamp: 1700000000001 key: "k" value: "v\x00" headers: ["h": "x", "n": null]
//   tail: position: 422 size: 30 partial batch
//   index: DIR/00000000000000000000.index entries: 1
//   | offset: 3 position: 70
//   timeindex: DIR/00000000000000000000.timeindex entries: 1
//   | timestamp: 1700000000003 offset: 3
//   digest: DIR/00000000000000000000.xxh3 xxh3: de900fe2ba0950b8 bytes: 422
//
// A batch line ends in "crc: 0x%08x ok" or "crc: 0x%08x BAD". "| " lines
// belong to the header line above them: records (--records) to their batch,
// entries (--index) to their index. "tail:" marks bytes at the end of a .log
// that do not form a whole batch (a torn write; the example is from a
// 452-byte file, as the golden log with 30 more bytes appended).
//
// With --verify nothing of the above is printed; each file that passes gets
// one line (the .index and .timeindex of a segment are checked when present,
// the .xxh3 of a sealed segment too):
//
//   ok: DIR/00000000000000000000.log batches: 4 records: 7 firstOffset: 0 lastOffset: 6
//   ok: DIR/00000000000000000000.index entries: 1
//   ok: DIR/00000000000000000000.timeindex entries: 1
//   ok: DIR/00000000000000000000.xxh3 xxh3: de900fe2ba0950b8 bytes: 422
//
// (firstOffset and lastOffset are -1 for an empty .log.)
//
// A partition directory (named <topic>-<N>) with no segment yet is not an
// error: it prints "partition: DIR segments: 0" ("ok: DIR segments: 0" with
// --verify; JSON type "partition" or "ok" with "segments":0). Any other
// directory without a .log is NotFound.
//
// JSON format (--json): the same items, one object per line, with "type"
// first and every field always present:
//
//   {"type":"log","file":"DIR/0...0.log","size":422}
//   {"type":"batch","baseOffset":0,"lastOffset":0,"count":1,"position":0,"size":70,
//    "baseTimestamp":1700000000000,"maxTimestamp":1700000000000,"codec":"none",
//    "timestampType":"CreateTime","transactional":false,"control":false,
//    "producerId":-1,"producerEpoch":-1,"baseSequence":-1,"leaderEpoch":0,
//    "crc":"0xbbcc4115","crcOk":true}
//   {"type":"record","offset":0,"timestamp":1700000000000,"key":null,"value":"hi","headers":[]}
//   {"type":"tail","position":422,"size":30}
//   {"type":"index","file":"DIR/0...0.index","entries":1}
//   {"type":"index_entry","offset":3,"position":70}
//   {"type":"timeindex","file":"DIR/0...0.timeindex","entries":1}
//   {"type":"timeindex_entry","timestamp":1700000000003,"offset":3}
//   {"type":"digest","file":"DIR/0...0.xxh3","xxh3":"de900fe2ba0950b8","bytes":422}
//   {"type":"ok","file":"DIR/0...0.log","batches":4,"records":7,"firstOffset":0,"lastOffset":6}
//   {"type":"ok","file":"DIR/0...0.index","entries":1}
//   {"type":"ok","file":"DIR/0...0.xxh3","xxh3":"de900fe2ba0950b8","bytes":422}
//
// (Batch objects are one line; they are wrapped here.) Keys, values and
// headers are JSON strings when they are valid UTF-8, else base64 with a
// "<field>_encoding":"base64" marker after them, as in klog-read --json:
// headers are [{"key":"h","value":"x"}].
// clang-format on
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "klog/status.h"

namespace klog {

struct DumpOptions {
  bool records = false;  // a line per record under each batch
  bool index = false;    // the .index, .timeindex (and .xxh3) of each segment too
  bool verify = false;   // check instead of print (see VerifyRules below)
  bool json = false;     // JSON lines instead of text
};

// Receives warnings (a sealed segment without a digest, a torn tail on the
// active segment): one sentence naming the file, without a trailing newline.
using DumpWarningFn = std::function<void(const std::string&)>;

// Dumps or verifies each path in turn, writing to `out`. A path is a
// partition directory (all its segments, in offset order), a .log, .index,
// .timeindex or .xxh3 file.
//
// Without verify, a batch whose CRC does not match is printed with "BAD" and
// the dump goes on; anything that makes the rest of a file unreadable stops
// it. The first problem is returned as Corruption "<file> pos N: <what>".
//
// VerifyRules: with verify, the first problem is returned at once:
//  - every batch parses, its CRC matches and its records decode;
//  - batch offsets strictly increase within a segment and across segments
//    (compacted segments have gaps, and batches with fewer records than
//    their offset range: both are fine),
//    and a segment's first batch does not start below the base offset in its
//    file name;
//  - a partial batch at the end is an error in a sealed segment (one with a
//    later segment beside it) and a warning in the last (active) one;
//  - every .index entry points at a batch start, the batches before it end
//    below the entry's offset and the offset is not past the segment's last
//    offset; entries increase;
//  - .timeindex timestamps increase and their offsets lie in the segment;
//  - a .xxh3 digest, where present, matches the .log's XXH3-64 and length; a
//    sealed segment without one gets a warning;
//  - for a partition directory, first: no segment its klog.segments lists
//    is missing ("segment <file> is missing: offsets A-B lost"); no .index,
//    .timeindex or .xxh3 lies there without its .log ("<file>: no <base>.log
//    beside it (orphaned)"; a warning below the log start offset or during
//    a cleaner swap); then each listed segment has the list's size and
//    digest. Without a list (a warning), a topic whose metadata says it is
//    not compacted must have no offsets missing between segments. The list
//    gets an "ok: DIR/klog.segments entries: N" line.
//  - in a partition directory of __consumer_offsets, every record of a data
//    batch decodes as an offset commit key and value (klog/offsets_record.h):
//    "<file> pos <batch position>: record at offset N: <why>".
// A missing path is NotFound, a file of another kind InvalidArgument.
Status Dump(const std::vector<std::string>& paths, const DumpOptions& options, std::ostream& out,
            const DumpWarningFn& warn);

}  // namespace klog
