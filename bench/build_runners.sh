#!/usr/bin/env bash
# Builds the peers' Java runners (bench/flink, bench/kstreams) with Maven when missing or older
# than their sources; dependencies from Maven Central, cached in ~/.m2. Used by bench.sh and ci.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
for runner in flink kstreams; do
  if [ ! -f "bench/$runner/target/$runner-runner-1.jar" ] || [ ! -d "bench/$runner/target/lib" ] ||
     [ -n "$(find "bench/$runner/src" "bench/$runner/pom.xml" -newer "bench/$runner/target/$runner-runner-1.jar" 2>/dev/null)" ]; then
    echo "bench: building the $runner runner (Maven)"
    mvn -q -f "bench/$runner/pom.xml" package dependency:copy-dependencies -DskipTests
  fi
done
