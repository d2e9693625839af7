#!/usr/bin/env bash
# Regenerates the seed corpora under tests/fuzz/corpus/ with klog-fuzz-corpus
# (tests/fuzz/corpus_gen.cpp): request frames from the protocol encoders,
# batches from BatchBuilder, segments from tests/golden. Run it after a
# change to a message, the batch format or the golden segment, and commit
# the result. Usage: bash tests/fuzz/make_corpus.sh [BUILD_DIR] (default
# build-fuzz, configured as `make fuzz` does).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build-fuzz}
cmake --build "$build" --target klog-fuzz-corpus
for dir in fuzz_request fuzz_client_response fuzz_record_batch fuzz_batch_check fuzz_segment_recovery \
  fuzz_offsets_record; do
  rm -rf "$src/tests/fuzz/corpus/$dir"
done
ASAN_OPTIONS=detect_leaks=0 "$build/tests/fuzz/klog-fuzz-corpus" "$src" "$src/tests/fuzz/corpus"
echo "make_corpus: $(find "$src/tests/fuzz/corpus" -type f | wc -l) files," \
  "$(du -sk "$src/tests/fuzz/corpus" | cut -f1) KiB in tests/fuzz/corpus" >&2
