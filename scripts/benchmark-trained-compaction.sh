#!/usr/bin/env bash
# Compaction of many small trained shards: merging their codes (the service's Compaction) against decoding
# and re-encoding every vector, A/B alternately on copies of one index; CPU seconds of the compacting thread.
#   scripts/benchmark-trained-compaction.sh [SHARDS=20] [VECTORS_PER_SHARD=2000] [FACTORY=IVF256,PQ89] [TRAINING_SAMPLE=10000] [ROUNDS=2]
# A quicker run (figures in docs/scale.md): scripts/benchmark-trained-compaction.sh 20 1000 IVF64,PQ89x4 2500 2
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
fi
java -Xmx3g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.faissshard.bench.TrainedCompactionBenchmark "$@"
