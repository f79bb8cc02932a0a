#!/usr/bin/env bash
# The sanitizer and fuzzing step of `make test` (issue #12). One extra build serves both:
#   scripts/sanitize.sh [BUILD_DIR]      (default build-asan)
# 1. builds everything with ASan + UBSan (clang, with libFuzzer's coverage instrumentation too;
#    g++ when clang is missing, then without the fuzz targets);
# 2. runs every layer's unit tests, `eddy test tests/golden`, tests/integration/hostile_test.py
#    and run_test.py, and as much of the conformance run (ksqlDB's golden tests, stages 1-3,
#    against the ledger) as fits its time budget;
# 3. replays every input that once crashed a fuzz target (tests/fuzz/regressions/TARGET/), then
#    runs each target for a bounded time, seeded from ../shared/qtt at run time.
# Any sanitizer report fails the step, even from a case the ledger lets fail. Each part prints
# its time; the last line is "N passed, M failed, K skipped".
# Budgets (seconds): EDDY_SANITIZE_CONFORMANCE_BUDGET (default 300), EDDY_FUZZ_SECONDS per
# target (default 45).
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-asan}
conformance_budget=${EDDY_SANITIZE_CONFORMANCE_BUDGET:-300}
fuzz_seconds=${EDDY_FUZZ_SECONDS:-45}
qtt=${EDDY_QTT_DIR:-../shared/qtt}
passed=0 failed=0 skipped=0
step_failed=()
step_start=$(date +%s)
elapsed() { echo $(( $(date +%s) - $1 )); }

# Sanitizer reports: abort at the first one, with a stack. Leaks are checked at the exit of
# every process that exits normally.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
sanitizer_report='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|ERROR: libFuzzer'

# Counts the sanitizer reports in $1; prints the first few.
reports() {
  local n
  n=$(grep -cE "$sanitizer_report" "$1")
  if [ "$n" -gt 0 ]; then
    echo "sanitize: $n sanitizer report(s) in $2:"
    grep -E -A 12 "$sanitizer_report" "$1" | head -n 60
  fi
  [ "$n" -eq 0 ]
}

# shellcheck source=scripts/counts.sh
source scripts/counts.sh

# ---- 1. the build ----------------------------------------------------------------------------
start=$(date +%s)
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDDY_SANITIZE=ON
            "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only")
fuzz=no
if command -v clang++ > /dev/null; then
  fuzz=yes
  cmake_args+=(-DCMAKE_CXX_COMPILER=clang++ -DEDDY_FUZZ=ON)
  command -v ld.lld > /dev/null && cmake_args+=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld)
else
  echo "sanitize: clang++ not found (scripts/install-deps.sh installs it): building with g++, no fuzzing"
fi
mkdir -p "$build"
if ! cmake -S . -B "$build" "${cmake_args[@]}" > "$build/configure.log" 2>&1; then
  cat "$build/configure.log"
  echo "sanitize: configure failed"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
if ! cmake --build "$build" -j "${JOBS:-$(nproc)}" > "$build/build.log" 2>&1; then
  grep -E -B 2 -A 10 'error|FAILED' "$build/build.log" | head -n 80
  echo "sanitize: build failed (log: $build/build.log)"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
echo "sanitize: build ($([ $fuzz = yes ] && echo clang, ASan+UBSan+libFuzzer || echo g++, ASan+UBSan)) in $(elapsed "$start") s"
eddy="$build/bin/eddy"

# ---- 2. the tests under ASan + UBSan --------------------------------------------------------
for t in "$build"/tests/eddy_test_*; do
  [ -x "$t" ] || continue
  out=$(mktemp)
  start=$(date +%s)
  "$t" > "$out" 2>&1
  rc=$?
  name=$(basename "$t")
  ok=yes
  add_catch2_counts "$out" || ok=no
  if ! reports "$out" "$name"; then failed=$((failed + 1)); ok=no; fi
  if [ $rc -ne 0 ] && [ $ok = yes ]; then failed=$((failed + 1)); ok=no; fi  # e.g. a leak at exit
  if [ $ok = no ]; then
    tail -n 40 "$out"
    step_failed+=("$name")
  fi
  echo "sanitize: unit: $name: exit $rc in $(elapsed "$start") s"
  rm -f "$out"
done

out=$(mktemp)
start=$(date +%s)
"$eddy" test tests/golden > "$out" 2>&1
grep -E '^[0-9]+ passed' "$out" | sed 's/^/sanitize: golden: /'
add_counts "$out" || step_failed+=("golden")
if ! reports "$out" "eddy test tests/golden"; then failed=$((failed + 1)); step_failed+=("golden"); fi
echo "sanitize: golden in $(elapsed "$start") s"
rm -f "$out"

# Hostile records and statements, and `eddy run` on a state directory (restart, kill -9), under
# the sanitizers.
for t in hostile run; do
  out=$(mktemp)
  start=$(date +%s)
  python3 "tests/integration/${t}_test.py" "$eddy" > "$out" 2>&1
  grep -E '^(FAIL|[0-9]+ passed)' "$out" | sed "s/^/sanitize: $t: /"
  add_counts "$out" || step_failed+=("$t")
  if ! reports "$out" "${t}_test.py"; then failed=$((failed + 1)); step_failed+=("$t"); fi
  echo "sanitize: $t in $(elapsed "$start") s"
  rm -f "$out"
done

# The conformance run, a file at a time, while its budget lasts. Files start at a point that
# moves with the day, so successive runs cover the whole corpus.
if [ -f "$qtt/stages.txt" ]; then
  mapfile -t files < <(awk '$1 <= 3 {print $2}' "$qtt/stages.txt")
  total=${#files[@]}
  first=$(( $(date +%j | sed 's/^0*//') * 17 % total ))
  start=$(date +%s)
  out=$(mktemp)
  ran=0 cp=0 cf=0 cs=0
  for ((i = 0; i < total; i++)); do
    [ "$(elapsed "$start")" -lt "$conformance_budget" ] || break
    f="$qtt/all/${files[(first + i) % total]}"
    "$eddy" test --ledger tests/conformance/ledger.txt "$f" > "$out" 2>&1
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -n 1)
    if [ -z "$line" ]; then
      cf=$((cf + 1)); tail -n 20 "$out"
    else
      read -r p _ fl _ s _ <<<"${line//,/}"
      cp=$((cp + p)); cf=$((cf + fl)); cs=$((cs + s))
      [ "$fl" -eq 0 ] || grep -vE '^([0-9]+ passed, .*|ready to leave the ledger.*)$' "$out" | head -n 40
    fi
    if ! reports "$out" "$f"; then cf=$((cf + 1)); fi
    ran=$((ran + 1))
  done
  rm -f "$out"
  echo "sanitize: conformance: $ran of $total files (from $(( first + 1 ))): $cp passed, $cf failed, $cs skipped in $(elapsed "$start") s (budget $conformance_budget s)"
  passed=$((passed + cp)); failed=$((failed + cf)); skipped=$((skipped + cs))
  [ "$cf" -eq 0 ] || step_failed+=("conformance")
else
  echo "sanitize: conformance skipped, ksqlDB's golden tests not found at $qtt"
  skipped=$((skipped + 1))
fi

# ---- 3. fuzzing -------------------------------------------------------------------------------
if [ $fuzz = yes ]; then
  seeds="$build/fuzz-seeds"
  rm -rf "$seeds"
  if [ -d "$qtt/all" ]; then
    python3 tests/fuzz/make_seeds.py "$qtt" "$seeds" | sed 's/^/sanitize: /'
  fi
  for target in fuzz_statements fuzz_json_format fuzz_delimited_format fuzz_golden; do
    bin="$build/fuzz/$target"
    seed_dir=${target#fuzz_}
    out=$(mktemp)
    # Every input that once crashed the target: each is a test of its own.
    reg="tests/fuzz/regressions/$target"
    if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
      for f in "$reg"/*; do
        if "$bin" "$f" > "$out" 2>&1; then
          passed=$((passed + 1))
        else
          failed=$((failed + 1)); step_failed+=("$target:$(basename "$f")")
          echo "sanitize: $target: regression $f fails again:"; grep -E -A 20 "$sanitizer_report|ERROR" "$out" | head -n 40
        fi
      done
    fi
    # A bounded run: new inputs go to a corpus kept in the build tree, crashes to artifacts/.
    corpus="$build/fuzz-corpus/$target" artifacts="$build/fuzz-artifacts/$target/"
    mkdir -p "$corpus" "$artifacts"
    start=$(date +%s)
    "$bin" -max_total_time="$fuzz_seconds" -timeout=20 -rss_limit_mb=2560 -max_len=65536 \
      -artifact_prefix="$artifacts" -print_final_stats=1 "$corpus" "$seeds/$seed_dir" > "$out" 2>&1
    rc=$?
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$out")
    cov=$(grep -oE 'cov: [0-9]+' "$out" | tail -n 1)
    if [ $rc -eq 0 ]; then
      passed=$((passed + 1))
      echo "sanitize: $target: ${execs:-?} inputs, ${cov:-cov: ?} in $(elapsed "$start") s"
    else
      failed=$((failed + 1)); step_failed+=("$target")
      echo "sanitize: $target FAILED after $(elapsed "$start") s (input kept in $artifacts; add it to $reg/):"
      grep -E -A 25 "$sanitizer_report|ERROR|==[0-9]+== *(ERROR|WARNING)|deadly signal|Test unit written" "$out" | head -n 60
    fi
    rm -f "$out"
  done
else
  echo "sanitize: fuzzing skipped (needs clang)"
  skipped=$((skipped + 4))
fi

[ ${#step_failed[@]} -eq 0 ] || echo "sanitize: failing: ${step_failed[*]}"
echo "sanitize: done in $(elapsed "$step_start") s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
