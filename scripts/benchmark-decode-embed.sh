#!/usr/bin/env bash
# Decode + embed benchmark (no network, no storage): CPU ms per image of each decode path and each index
# type's embedding, decode + all three, and images/s on every core, for 256, 512 and 1024 px JPEGs.
#   scripts/benchmark-decode-embed.sh [IMAGES_PER_SIZE=400]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.faissshard.bench.DecodeEmbedBenchmark "${1:-400}"
