# Bulwark: `make demo` runs the platform with demo data; `make test` runs every test.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2

.PHONY: all deps build demo test test-release test-web test-asan lint format bench fuzz clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)
	./scripts/build-web.sh

demo: build
	./scripts/demo.sh

# Release tests, the web console in a browser, then the same C++ tests under AddressSanitizer
# and UndefinedBehaviorSanitizer, then the formatting check.
test: test-release test-web test-asan lint

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# The console's unit tests, then the console in Debian's chromium against a real `bulwark serve`;
# screenshots of every page land in $(BUILD)/web-test-artifacts.
test-web: build
	cd web && npm run --silent test
	cd web && BULWARK_BIN=$(CURDIR)/$(BUILD)/bin/bulwark \
	  WEB_TEST_ARTIFACTS=$(CURDIR)/$(BUILD)/web-test-artifacts npm run --silent test:browser

test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBULWARK_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

lint: deps
	./scripts/format.sh --check

format:
	./scripts/format.sh

bench: build
	./bench/api/run.sh
	$(BUILD)/bench/ledger_bench
	$(BUILD)/bench/match_bench
	./bench/evals/run.sh
	./bench/jobs/run.sh
	./bench/gateway/run.sh

# libFuzzer targets (clang), FUZZ_SECONDS each: the signed-note/checkpoint/proof-file parsers
# and proof verifiers, and the vulnerability engine's purl, version, SBOM and OSV parsers.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS      := src/ledger/note_fuzz src/ledger/proof_fuzz src/vuln/purl_fuzz \
                src/vuln/version_fuzz src/vuln/sbom_fuzz src/vuln/advisory_fuzz
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug -DBULWARK_FUZZ=ON
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(notdir $(FUZZERS))
	for f in $(FUZZERS); do $(FUZZ_BUILD)/$$f -max_total_time=$(FUZZ_SECONDS) || exit 1; done

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) web/dist
