#!/usr/bin/env bash
# Trained (IVF-PQ) against flat shards of the same synthetic 712-d vectors, both made by the service's
# shard writer: bytes, recall@10 against exact search, and search time per query on one thread.
#   scripts/benchmark-trained.sh [N=1000000] [FACTORY=IVF256,PQ89] [TRAINING_SAMPLE=20000] [NPROBE=16] [QUERIES=100] [DATA=synthetic|real:FILE]
# DATA=real:FILE replays real vectors (RealVectorsExport) to N with noise; to make FILE from 3,000 real pictures:
#   java -cp ... dev.faissshard.bench.RealVectorsExport target/bench-mixed/corpus-3000/images target/bench-trained/combined-3000.f32
# A quick run: scripts/benchmark-trained.sh 100000
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
fi
java -Xmx3g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.faissshard.bench.TrainedIndexBenchmark "$@"
