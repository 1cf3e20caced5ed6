#!/usr/bin/env bash
# Resume benchmark (no images, no embedding): a killed build with VECTORS vectors per index type in
# storage (local directory and the Supabase emulator on loopback), timed to its first new batch
# committed, a resume with nothing to do, and a rebuild over shards that are already stored.
#   scripts/benchmark-resume.sh [VECTORS=100000] [SUPABASE_VECTORS=30000] [RUNS=1]
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
fi
java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.faissshard.bench.ResumeBenchmark "${1:-100000}" "${2:-30000}" "${3:-1}"
