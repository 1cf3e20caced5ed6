#!/usr/bin/env bash
# Search benchmark: starts the service on loopback with an empty local storage folder, synthesises
# N vectors per index type (flat shards under the default 45 MB limit, string ids, a manifest made with
# the service's own model ids), then measures POST /search by id and by an uploaded 512-px JPEG at 1, 8
# and 32 concurrent clients (p50 / p99 latency, queries/s, failures) and the service's resident memory
# after loading the index against the shards' bytes.
#   scripts/benchmark-search.sh [N=100000] [SECONDS_PER_LEVEL=20] [--fsb.search.some-setting=value ...]
#   scripts/benchmark-search.sh --kernel [VECTORS=100000] [DIMENSION=1164] [PASSES=5] [KERNELS] [BATCHES]
# The second form times the flat-scan kernel alone (ScanKernelBenchmark: every kernel this CPU runs and
# FAISS's own search, 1 and 2 threads, batches of 1-32 queries; GB/s scanned, CPU ms per query), no
# service. BENCH_QUERIES (id,upload,publish) and BENCH_CLIENTS (1,8,32) choose the service levels
# measured; BENCH_WARMUP_SECONDS (default 10) the unmeasured load before each level. "publish" searches
# by id at 8 clients while new manifests (open segments, sealed ones deleted) are published into the
# served prefix every 2 s, and reports failed queries; the synthesised manifest is put back after it.
# Meaningful only on a quiet machine: check `uptime` first. The service runs as users run it, through
# scripts/run-service.sh (packaged and prepared here unless BENCH_SKIP_BUILD=1), with its shipped JVM
# options; BENCH_HEAP sets its heap (FSB_HEAP), BENCH_JAVA_OPTS adds JVM options (JAVA_OPTS).
# BENCH_LAUNCH=classpath starts it instead with plain `java -cp` on the default java (the form this
# benchmark used before; kept to compare launches; heap BENCH_HEAP, default 512m).
# BENCH_SEARCH_PORT sets the service port (default 18090). The id and upload levels are driven by wrk
# (installed when missing; its event loops cost the shared cores far less than the JDK's HttpClient,
# which measured the client as much as the service); BENCH_CLIENT=java uses the JDK client instead.
# The synthesised index is kept in bench-out/search-N/storage and reused by the next run with the same N (BENCH_FRESH=1 synthesises anew).
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL_ONLY=""
if [[ "${1:-}" == "--kernel" ]]; then
  KERNEL_ONLY=1
  N=0
  SECONDS_PER_LEVEL=0
else
  N="${1:-100000}"
  SECONDS_PER_LEVEL="${2:-20}"
  shift $(( $# < 2 ? $# : 2 ))
fi
PORT="${BENCH_SEARCH_PORT:-18090}"
LAUNCH="${BENCH_LAUNCH:-launcher}"
OUT="$PWD/bench-out/search-$N"

if [[ -z "$KERNEL_ONLY" && "${BENCH_CLIENT:-}" != java ]] && ! command -v wrk >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
fi
# Packaged first: a plain `mvn package` compiles the test classes again without the benchmark profile's
# sources, which the test-compile below puts back.
if [[ -z "$KERNEL_ONLY" && "$LAUNCH" == launcher && "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
  echo "Packaging the service and preparing its launch (scripts/run-service.sh --prepare)..."
  mkdir -p bench-out
  mvn -B -ntp -q package -DskipTests
  scripts/run-service.sh --prepare >bench-out/search-prepare.log 2>&1 || { cat bench-out/search-prepare.log; exit 1; }
fi
mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"

if [[ -n "$KERNEL_ONLY" ]]; then
  shift
  echo "Load: $(uptime)"
  exec java -Xmx1g -cp "$CP" dev.faissshard.search.ScanKernelBenchmark "$@"
fi

if [[ -n "${BENCH_FRESH:-}" || ! -f "$OUT/storage/faiss/manifest.json" ]]; then
  rm -rf "$OUT"
fi
mkdir -p "$OUT/storage"
SERVICE_ARGS=(--server.port="$PORT" --server.address=127.0.0.1 --fsb.storage.local.root="$OUT/storage"
  --fsb.search.cache-max-bytes=4GB --fsb.search.timeout=300s "$@")
case "$LAUNCH" in
  launcher)
    [ -n "${BENCH_HEAP:-}" ] && export FSB_HEAP="$BENCH_HEAP"
    [ -n "${BENCH_JAVA_OPTS:-}" ] && export JAVA_OPTS="$BENCH_JAVA_OPTS"
    echo "Service launch: $(scripts/run-service.sh --print-java-command | tr '\n' ' ')"
    echo "Load: $(uptime)"
    # exec in the launcher: $! is the JVM itself, whose resident set the benchmark reads
    scripts/run-service.sh "${SERVICE_ARGS[@]}" >"$OUT/service.log" 2>&1 &
    ;;
  classpath)
    HEAP="${BENCH_HEAP:-512m}"
    echo "Service launch: java -Xms$HEAP -Xmx$HEAP ${BENCH_JAVA_OPTS:-} -cp ... (plain classpath)"
    echo "Load: $(uptime)"
    # shellcheck disable=SC2086
    java -Xms"$HEAP" -Xmx"$HEAP" ${BENCH_JAVA_OPTS:-} -cp "$CP" dev.faissshard.FaissShardBuilderApplication \
      "${SERVICE_ARGS[@]}" >"$OUT/service.log" 2>&1 &
    ;;
  *) echo "BENCH_LAUNCH must be launcher or classpath, not $LAUNCH" >&2; exit 2 ;;
esac
SERVICE=$!
trap 'kill "$SERVICE" 2>/dev/null || true; wait "$SERVICE" 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null 2>&1 && break
  kill -0 "$SERVICE" 2>/dev/null || { cat "$OUT/service.log"; exit 1; }
  sleep 1
done
java -cp "$CP" dev.faissshard.search.SearchBenchmark "http://127.0.0.1:$PORT" "$OUT/storage" "$SERVICE" "$N" \
  "$SECONDS_PER_LEVEL"
echo "Load: $(uptime)"
