#!/usr/bin/env bash
# End-to-end build benchmark: N generated product-like JPEGs (~512 px) served by nginx on 127.0.0.1,
# all three index types into local storage. Prints images/s, time per stage, peak memory and the
# uploaded/final bytes ratio.
#   scripts/benchmark.sh [N=2000] [SIZE=512] [--fsb.some.setting=value ...]
# BENCH_HEAP sets the heap (default 1g), fixed and pre-touched so that process RSS compares what the
# build allocates outside the heap across runs; BENCH_PORT the nginx port (default 18080).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/bench-common.sh
. scripts/lib/bench-common.sh
N="${1:-2000}"
SIZE="${2:-512}"
shift $(( $# < 2 ? $# : 2 ))
PORT="${BENCH_PORT:-18080}"
HEAP="${BENCH_HEAP:-1g}"
OUT="$PWD/bench-out"
IMAGES="$OUT/catalogue-$N-$SIZE"

scripts/install-deps.sh
if ! command -v nginx >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light >/dev/null
fi

mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"

echo "Generating $N images of ${SIZE}px in $IMAGES (cached between runs)..."
java -cp "$CP" dev.faissshard.testimages.SampleCatalogueWriter "$IMAGES" "$N" "$SIZE" "http://127.0.0.1:$PORT"

NGINX_DIR="$OUT/nginx"
trap 'bench_stop_serving "$NGINX_DIR"' EXIT
bench_serve_corpus "$NGINX_DIR" "$IMAGES" "$PORT" "$IMAGES/catalog.csv" || exit 1

STORAGE="$OUT/storage-$N-$SIZE"
rm -rf "$STORAGE"
echo "Building all three indexes for $N images (heap $HEAP)..."
java -Xms"$HEAP" -Xmx"$HEAP" -XX:+AlwaysPreTouch -cp "$CP" dev.faissshard.bench.BuildBenchmark "$IMAGES/catalog.csv" "$STORAGE" "$@"
