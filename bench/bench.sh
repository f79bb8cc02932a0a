#!/usr/bin/env bash
# make bench: eddy and its peers side by side (issue #11). Builds the peers' runners with Maven
# (dependencies from Maven Central, cached in ~/.m2), runs bench/run.py, then bench/report.py.
#
#   bash bench/bench.sh BUILD_DIR [quick|full] [extra bench/run.py options...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mode=${2:-quick}
shift $(( $# < 2 ? $# : 2 ))
bash scripts/install-deps.sh --bench
bash bench/build_runners.sh
# Debian's python3 has python3-matplotlib; another python3 first on PATH may not.
python=python3
if ! python3 -c 'import matplotlib' 2>/dev/null && [ -x /usr/bin/python3 ]; then python=/usr/bin/python3; fi
python3 bench/run.py --mode "$mode" --eddy "$build/bin/eddy" "$@"
"$python" bench/report.py
