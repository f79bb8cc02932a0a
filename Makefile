# The two commands the README gives. Both install what is missing first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all build test demo deps clean bench

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Every test: unit tests, golden tests, and ksqlDB's golden tests against the ledger.
test: build
	@bash scripts/test.sh $(BUILD_DIR)

# The truck tracker on a small sample: trucks drive to their jobs, and each TRUCK_TRACKER change
# (distance left, ETA) is printed as it happens. Runs in a fresh state directory, then exits.
demo: build
	@rm -rf $(BUILD_DIR)/demo-state
	@$(BUILD_DIR)/bin/eddy run queries/truck_tracker.sql --state-dir $(BUILD_DIR)/demo-state \
	  --input joblocation=examples/truck_tracker/joblocation.jsonl \
	  --input tradie_truck_location=examples/truck_tracker/pings.jsonl \
	  --follow TRUCK_TRACKER --once

# eddy against Flink SQL and Kafka Streams on the same data (issue #11): writes
# bench/results/latest.json, docs/performance.md and docs/performance.png. MODE=full for the
# large run (medians of 3); the quick mode (one run each, REPS=3 for medians) is small enough for CI.
# MODES=engine,kafka,latency,noisy,restore (the default: all) picks what runs; all but engine use
# the local Kafka broker (scripts/kafka.sh): eddy, and Kafka Streams on the windowed count.
MODE ?= quick
bench: build
	@bash bench/bench.sh $(BUILD_DIR) $(MODE) $(if $(REPS),--reps $(REPS)) $(if $(MODES),--modes $(MODES))

clean:
	rm -rf $(BUILD_DIR)
