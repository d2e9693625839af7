# klog's front door. `make demo` and `make test` do all setup on a fresh Debian 12.
#   make deps      install missing Debian packages (apt-get; idempotent)
#   make build     configure and build into build/
#   make test      deps + build + every test (ctest)
#   make demo      deps + build + examples/quickstart.sh
#   make bench     deps + build + benchmarks (figures, no thresholds)
#   make asan      ASan+UBSan build in build-asan/ running the test suite
#   make fuzz      clang libFuzzer build in build-fuzz/ (libraries and tests/fuzz
#                  targets only), each target run FUZZ_SECONDS (default 60)
#   make install   PREFIX=/usr/local (binaries, libklog, headers, man pages, completions)
#   make format    clang-format every C++ file in place (.ci/check_format.sh checks it)

PREFIX ?= /usr/local
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo -G Ninja)

# Build and test dependencies, all Debian 12 packages. The Kafka clients the
# broker is tested with: kcat, confluent-kafka and kafka-python (with its
# snappy and lz4 codecs) for /usr/bin/python3, kafkajs through Node.js (npm
# installs the version pinned in tests/clients/kafkajs/package-lock.json).
# `make fuzz`: clang with its libFuzzer runtime (libclang-rt-dev) and
# llvm-symbolizer (llvm) for the sanitizers' stack traces. `make format` and
# .ci/check_format.sh: clang-format. strace: serve_fetch_offloop.sh checks which
# thread reads the segment files. libcurl4-openssl-dev: the cluster layer's
# HTTP client for etcd's JSON gateway (libcurl's multi interface on libuv).
# etcd-server: the cluster metadata store; the unit-cluster tests start their
# own etcd on free ports (the package's service is not used).
DEPS := build-essential cmake ninja-build pkg-config clang libclang-rt-dev llvm clang-format \
	libcli11-dev nlohmann-json3-dev libxxhash-dev doctest-dev libuv1-dev libmicrohttpd-dev libisal-dev \
	libcurl4-openssl-dev etcd-server \
	zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev librdkafka-dev kcat \
	python3 python3-confluent-kafka python3-kafka python3-snappy python3-lz4 \
	nodejs npm=npm man-db groff-base time xxd valgrind zsh fish strace

.PHONY: all deps build test demo bench asan fuzz install format clean

all: build

deps:
	@bash .ci/deps.sh $(DEPS)

build: deps
	@test -f $(BUILD)/CMakeCache.txt || cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	KLOG_BIN=$(CURDIR)/$(BUILD) bash examples/quickstart.sh

bench: build
	KLOG_BIN=$(CURDIR)/$(BUILD) bash bench/run.sh

asan: deps
	@test -f build-asan/CMakeCache.txt || cmake -S . -B build-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DKLOG_SANITIZE=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 KLOG_SANITIZED=1 \
		ctest --output-on-failure -j $(JOBS)

# How targets are run (corpora, per-target flags, artifacts): tests/fuzz/run.sh.
fuzz: deps
	@test -f build-fuzz/CMakeCache.txt || cmake -S . -B build-fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DKLOG_FUZZ=ON
	cmake --build build-fuzz -j $(JOBS)
	FUZZ_JOBS=$(JOBS) bash tests/fuzz/run.sh build-fuzz . $(FUZZ_SECONDS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# Rewrites libklog/, tools/, tests/ and bench/ C++ files per .clang-format.
format:
	@bash .ci/deps.sh clang-format
	bash .ci/check_format.sh --fix

clean:
	rm -rf $(BUILD) build-asan build-fuzz
