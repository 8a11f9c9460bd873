# Bulwark: `make demo` runs the platform with demo data; `make test` runs every test.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2

.PHONY: all deps build demo test test-release test-asan lint format bench clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./scripts/demo.sh

# Release tests, then the same tests under AddressSanitizer and UndefinedBehaviorSanitizer,
# then the formatting check.
test: test-release test-asan lint

test-release: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

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

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
