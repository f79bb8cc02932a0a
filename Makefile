# The two commands the README gives. Both install what is missing first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all build test demo deps clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test: unit tests, golden tests, and ksqlDB's golden tests against the ledger.
test: build
	@bash scripts/test.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
