#!/usr/bin/env bash
# Scale benchmark of the build's state (no images, no embedding): synthetic unit vectors straight
# into the index, shard and storage layers (local storage), 5% of the ids failing, then a resume as
# a killed job resumes. Two runs:
#   1. VECTOR_IDS ids per type with the built-in dimensions (512/652/1164) and 45 MB shards: bytes,
#      shards and add rates per type;
#   2. IDS ids per type at state scale (dimensions and shard size divided by 64, so shards hold about
#      as many ids as real ones): progress.json, failure log, manifest, bytes written per batch,
#      peak heap and RSS, resume time and the done-set's bytes per id;
#   3. a resume of that state in a new process (as a restarted job is): its wall and CPU from JVM
#      start to the first new batch committed.
# Bounded: the state run of 10 million ids stores about 1.7 GB, the vector run of 200,000 ids 1.9 GB,
# both in a temporary directory removed at the end.
#   scripts/benchmark-scale.sh [IDS=10000000] [VECTOR_IDS=200000] [integer|hashed]
#   scripts/benchmark-scale.sh quick        # 1,000,000 ids at state scale, 50,000 with vectors
set -euo pipefail
cd "$(dirname "$0")/.."
IDS="${1:-10000000}"
VECTOR_IDS="${2:-200000}"
KIND="${3:-integer}"
if [[ "$IDS" == "quick" ]]; then
  IDS=1000000
  VECTOR_IDS=50000
fi
HEAP="${BENCH_HEAP:-1g}"
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  mvn -B -ntp -q -o -Pbenchmark test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
fi
WORK="$(mktemp -d "${TMPDIR:-/tmp}/scale-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "$VECTOR_IDS" != "0" ]]; then
  /usr/bin/time -f "  process: %e s wall, %U s user, %S s sys, max RSS %M KB" \
    java -Xmx"$HEAP" -XX:+UseSerialGC -cp "$CP" dev.faissshard.bench.ScaleBenchmark \
    "$VECTOR_IDS" vectors "$WORK/vectors" "$KIND"
  rm -rf "$WORK/vectors"
fi
/usr/bin/time -f "  process: %e s wall, %U s user, %S s sys, max RSS %M KB" \
  java -Xmx"$HEAP" -XX:+UseSerialGC -cp "$CP" dev.faissshard.bench.ScaleBenchmark \
  "$IDS" state "$WORK/state" "$KIND"
# A user's resume is a new process: JVM start, class loading and JIT count, as they do for them.
echo "load average before the new-process resume: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "  resume process: %e s wall, %U s user, %S s sys, max RSS %M KB" \
  java -Xmx"$HEAP" -XX:+UseSerialGC -cp "$CP" dev.faissshard.bench.ScaleBenchmark \
  "$IDS" resume "$WORK/state" "$KIND"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
