#!/usr/bin/env bash
# CI's run of the benchmark harness (issue #11), called by scripts/test.sh: the quick mode of
# `make bench` on small data, eddy in every mode (engine, kafka, latency, noisy neighbour,
# restore after kill -9) and, to stay within about six minutes, the peers (Flink SQL, Kafka
# Streams) on q0 and the windowed count only (about 4 minutes in all on a 2-core machine). It
# checks the harness, not the figures: it fails only if bench/run.py or bench/report.py fails or
# a row of the results lacks a field issue #11 asks for.
# Results and the page go to BUILD_DIR/bench (bench/results and docs/ are left alone).
#
#   bash bench/ci.sh BUILD_DIR        ends with "N passed, M failed, K skipped"
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out="$build/bench"
mkdir -p "$out"
passed=0 failed=0 skipped=0
step() {  # step NAME COMMAND...: runs it, counts it, prints its last lines on failure
  local name=$1 log="$out/$1.log" start
  shift
  start=$(date +%s)
  if "$@" > "$log" 2>&1; then
    passed=$((passed + 1)); echo "bench: $name ok ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); echo "bench: $name FAILED ($(( $(date +%s) - start )) s); last lines of $log:"; tail -n 15 "$log"
  fi
}
results="$out/quick.json"
rm -f "$results"
step eddy python3 bench/run.py --mode quick --systems eddy --eddy "$build/bin/eddy" --out "$results" \
  --data "$out/data"
peers=()
if command -v mvn > /dev/null && command -v java > /dev/null && bash bench/build_runners.sh > "$out/runners.log" 2>&1; then
  peers=(flink kstreams)
else
  echo "bench: peers skipped (no mvn/java, or building the runners failed: $out/runners.log)"
  skipped=$((skipped + 1))
fi
if [ ${#peers[@]} -gt 0 ]; then
  step peers python3 bench/run.py --mode quick --modes engine --systems flink,kstreams --queries q0,windowed_count \
    --eddy "$build/bin/eddy" --out "$results" --data "$out/data" --merge
fi
python=python3
if ! python3 -c 'import matplotlib' 2>/dev/null && [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; fi
step report "$python" bench/report.py --results "$results" --doc "$out/performance.md" --chart "$out/performance.png" \
  --extra "$out/none.json"
step fields python3 - "$results" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["results"]
need = ["query", "system", "mode", "events_per_cpu_second", "events_per_second", "peak_rss_mb", "ready_ms"]
bad = [r for r in rows if any(k not in r for k in need) or r["mode"] not in ("engine", "kafka", "latency")
       or (r["mode"] == "latency" and any(k not in r for k in ("p50_ms", "p99_ms", "p999_ms")))
       or (r.get("scenario") == "restore" and any(k not in r for k in ("restore_kept_ms", "restore_wiped_ms")))]
modes = {r["mode"] for r in rows}
for r in bad:
    print("row lacks a field:", r)
if bad or not {"engine", "kafka", "latency"} <= modes:
    sys.exit(f"bad rows: {len(bad)}; modes present: {sorted(modes)}")
print(f"{len(rows)} rows, modes {sorted(modes)}; statuses:",
      {s: sum(1 for r in rows if r.get("status") == s) for s in {r.get("status") for r in rows}})
PY
cat "$out/fields.log"
echo "$passed passed, $failed failed, $skipped skipped"
