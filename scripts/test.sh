#!/usr/bin/env bash
# Runs every test of a built tree and ends with one line: "N passed, M failed, K skipped".
#   scripts/test.sh [BUILD_DIR]
# Steps: the Catch2 unit tests of each layer, eddy's own golden tests (tests/golden), the
# integration tests of `eddy run` (tests/integration; its REST API with a ksqlDB client library, and ksqlDB's REST
# golden tests against it with tests/conformance/rest_ledger.txt), and the conformance run over ksqlDB's golden tests (../shared/qtt or $EDDY_QTT_DIR) against the
# ledger tests/conformance/ledger.txt, straight through and through a restart; last, the same
# tests and the fuzz targets under ASan + UBSan in BUILD_DIR-asan (scripts/sanitize.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
eddy="$build/bin/eddy"
passed=0 failed=0 skipped=0
step_failed=()

# shellcheck source=scripts/counts.sh
source scripts/counts.sh

# 1. Unit tests: each Catch2 binary reports its test cases.
for t in "$build"/tests/eddy_test_*; do
  [ -x "$t" ] || continue
  out=$(mktemp)
  start=$(date +%s)
  "$t" > "$out" 2>&1
  rc=$?
  name=$(basename "$t")
  if ! add_catch2_counts "$out"; then
    cat "$out"
    step_failed+=("$name")
  fi
  echo "unit: $name: exit $rc in $(( $(date +%s) - start )) s"
  rm -f "$out"
done

# 2. eddy's own golden tests.
out=$(mktemp)
"$eddy" test tests/golden | tee "$out"
add_counts "$out" || step_failed+=("golden")
rm -f "$out"

# A Kafka broker (scripts/kafka.sh, installed from Maven Central): the check that librdkafka's
# idempotent producer and transactions work against it, then eddy's Kafka integration tests. It is stopped at exit only
# if this run started it: others on the same machine may be using a running one.
kafka_was_running=no
scripts/kafka.sh status > /dev/null 2>&1 && kafka_was_running=yes
start=$(date +%s)
if bootstrap=$(scripts/kafka.sh start); then
  export EDDY_KAFKA_BOOTSTRAP=$bootstrap
  echo "kafka: broker at $bootstrap ($(( $(date +%s) - start )) s)"
  [ "$kafka_was_running" = yes ] || trap 'scripts/kafka.sh stop > /dev/null' EXIT
  if scripts/kafka.sh check > "$build/kafka_check.log" 2>&1; then
    passed=$((passed + 1)); echo "kafka: check passed (idempotence, transactions, read_committed)"
  else
    cat "$build/kafka_check.log"; failed=$((failed + 1)); step_failed+=("kafka-check")
  fi
  # `eddy run` on the broker: the truck tracker over 6 partitions, exactly once through kill -9.
  out=$(mktemp)
  start=$(date +%s)
  python3 tests/integration/kafka_test.py "$eddy" | tee "$out"
  echo "kafka: integration tests in $(( $(date +%s) - start )) s"
  add_counts "$out" || step_failed+=("kafka")
  rm -f "$out"
  # Every queries/*.sql on `eddy gen marketplace` data, embedded and on the broker: outputs agree.
  out=$(mktemp)
  start=$(date +%s)
  python3 tests/integration/marketplace_test.py "$eddy" | tee "$out"
  echo "marketplace: query files embedded and on Kafka in $(( $(date +%s) - start )) s"
  add_counts "$out" || step_failed+=("marketplace")
  rm -f "$out"
  # Secrets: eddy on the broker's SASL listener; the password shows nowhere (issue #12).
  out=$(mktemp)
  python3 tests/integration/secrets_test.py "$eddy" | tee "$out"
  add_counts "$out" || step_failed+=("secrets")
  rm -f "$out"
else
  echo "kafka: could not start a broker"
  failed=$((failed + 1)); step_failed+=("kafka")
fi

# 3. `eddy run` over the embedded log: the flagship as a service, restart, kill -9, errors.
out=$(mktemp)
start=$(date +%s)
python3 tests/integration/run_test.py "$eddy" | tee "$out"
echo "run: $(( $(date +%s) - start )) s"
add_counts "$out" || step_failed+=("run")
rm -f "$out"

# Hostile records and statements through `eddy run`, the REPL and `eddy test` (issue #12).
out=$(mktemp)
start=$(date +%s)
python3 tests/integration/hostile_test.py "$eddy" | tee "$out"
echo "hostile: $(( $(date +%s) - start )) s"
add_counts "$out" || step_failed+=("hostile")
rm -f "$out"

# Faults: a full disk (a tmpfs; root only), RLIMIT_FSIZE, a corrupt WAL, table file or log file.
out=$(mktemp)
start=$(date +%s)
python3 tests/integration/fault_test.py "$eddy" | tee "$out"
echo "faults: $(( $(date +%s) - start )) s"
add_counts "$out" || step_failed+=("faults")
rm -f "$out"

# 4. The REPL through a pseudo-terminal, and attached to `eddy run` (eddy repl --server).
out=$(mktemp)
python3 tests/integration/repl_test.py "$eddy" | tee "$out"
add_counts "$out" || step_failed+=("repl")
rm -f "$out"

# The REST API with a ksqlDB client library from PyPI (installed into a venv in the build dir).
out=$(mktemp)
python3 tests/integration/rest_test.py "$eddy" | tee "$out"
add_counts "$out" || step_failed+=("rest")
rm -f "$out"

# ksqlDB's REST golden tests ($EDDY_QTT_DIR/rest, or ../shared/qtt/rest) against the API, with
# their ledger tests/conformance/rest_ledger.txt (a case outside it that fails fails the step).
qtt_rest=${EDDY_QTT_DIR:-../shared/qtt}/rest
if [ -d "$qtt_rest" ]; then
  out=$(mktemp)
  start=$(date +%s)
  python3 tests/integration/rest_golden.py "$eddy" --ledger tests/conformance/rest_ledger.txt > "$out" 2>&1
  grep -vE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | head -n 200
  echo "rest golden: $(grep -E '^[0-9]+ passed' "$out" | tail -n 1) in $(( $(date +%s) - start )) s"
  add_counts "$out" || step_failed+=("rest-golden")
  rm -f "$out"
else
  echo "rest golden: skipped, ksqlDB's REST golden tests not found at $qtt_rest (set EDDY_QTT_DIR)"
  skipped=$((skipped + 1))
fi

# The benchmark generators (`eddy gen`) against the Nexmark rules.
out=$(mktemp)
python3 bench/test_gen.py "$eddy" > "$out" 2>&1
grep -E '^(FAIL|[0-9]+ passed)' "$out"
add_counts "$out" || step_failed+=("gen")
rm -f "$out"
out=$(mktemp)
python3 tests/integration/gen_test.py "$eddy" > "$out" 2>&1
grep -E '^(FAIL|[0-9]+ passed)' "$out"
add_counts "$out" || step_failed+=("gen-marketplace")
rm -f "$out"
# The benchmark harness in quick mode (issue #11): eddy in every mode, on the broker too, and the
# peers on two queries; fails only if the harness does, not on figures (about 4 minutes).
out=$(mktemp)
start=$(date +%s)
bash bench/ci.sh "$build" | tee "$out"
echo "bench: quick mode in $(( $(date +%s) - start )) s"
add_counts "$out" || step_failed+=("bench")
rm -f "$out"

# 5. Conformance: ksqlDB's golden tests of stages 1-3, against the ledger.
qtt=${EDDY_QTT_DIR:-../shared/qtt}
if [ -f "$qtt/stages.txt" ]; then
  files=$(awk '$1 <= 3 {print "'"$qtt"'/all/" $2}' "$qtt/stages.txt")
  out=$(mktemp)
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$eddy" test --ledger tests/conformance/ledger.txt --report "$build/conformance.jsonl" $files > "$out"
  grep -vE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | head -n 400
  line=$(grep -E '^[0-9]+ passed' "$out" | tail -n 1)
  echo "conformance: $line in $(( $(date +%s) - start )) s (report: $build/conformance.jsonl)"
  add_counts "$out" || step_failed+=("conformance")
  rm -f "$out"
  # The same cases (and eddy's own golden tests) through a restart: half the inputs, a commit,
  # a new engine on the same state, the rest. Every case that passes straight through must pass.
  out=$(mktemp)
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$eddy" test --restart --ledger tests/conformance/ledger.txt tests/golden $files > "$out"
  grep -vE '^([0-9]+ passed, [0-9]+ failed, [0-9]+ skipped|ready to leave the ledger.*)$' "$out" | head -n 400
  line=$(grep -E '^[0-9]+ passed' "$out" | tail -n 1)
  echo "conformance through a restart: $line in $(( $(date +%s) - start )) s"
  add_counts "$out" || step_failed+=("conformance-restart")
  rm -f "$out"
elif [ "${CI:-}" = "true" ]; then
  echo "conformance: ksqlDB's golden tests not found at $qtt (set EDDY_QTT_DIR); required under CI"
  failed=$((failed + 1))
else
  echo "conformance: skipped, ksqlDB's golden tests not found at $qtt (set EDDY_QTT_DIR to run them)"
fi

# 6. ASan + UBSan and fuzzing (scripts/sanitize.sh): a second build (clang) of everything, the unit
# and golden tests, the conformance run within a budget, the hostile records, and each fuzz target
# for a bounded time. EDDY_SANITIZE=0 skips it (counted as one skipped step).
if [ "${EDDY_SANITIZE:-1}" = "0" ]; then
  echo "sanitize: skipped (EDDY_SANITIZE=0)"
  skipped=$((skipped + 1))
else
  out=$(mktemp)
  start=$(date +%s)
  bash scripts/sanitize.sh "${build%/}-asan" | tee "$out"
  echo "sanitize: $(( $(date +%s) - start )) s in all"
  add_counts "$out" || step_failed+=("sanitize")
  rm -f "$out"
fi

[ ${#step_failed[@]} -eq 0 ] || echo "failing steps: ${step_failed[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
