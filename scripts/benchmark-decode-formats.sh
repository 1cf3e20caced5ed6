#!/usr/bin/env bash
# Decode CPU ms per image and format (baseline/progressive JPEG, PNG, WebP), before (ImageIO readers
# alone) and after (native decoders), on one thread, over the mixed corpus that benchmark-mixed.sh builds.
#   scripts/benchmark-decode-formats.sh [IMAGE_DIR=target/bench-mixed/corpus-3000/images]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-target/bench-mixed/corpus-3000/images}"
[ -d "$DIR" ] || { echo "no corpus in $DIR: run scripts/benchmark-mixed.sh first" >&2; exit 1; }
mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
java -Xmx1g -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  dev.faissshard.bench.FormatDecodeBenchmark "$DIR"
