#!/usr/bin/env bash
# The job body alone (after the service is ready) on the mixed corpus of benchmark-mixed.sh, served by
# nginx on loopback: wall, images/s and CPU per image, split by thread group (decode, fetch, job thread
# = tensor packing + inference + FAISS add + commits, ONNX Runtime's own pool, GC, JIT), for JOBS jobs
# run one after the other in one service (the first is the cold one).
#   scripts/benchmark-job-body.sh [IMAGES=3000] [JOBS=2] [--fsb.some.setting=value ...]
#
# Needs the corpus and catalogue that scripts/benchmark-mixed.sh builds in target/bench-mixed/ (run it
# once, or its corpus step), and target/*.jar (BENCH_SKIP_BUILD=1 skips packaging; BENCH_JAR=path runs
# another jar; BENCH_JAVA_OPTS adds JVM options). CPU figures come
# from /proc/<pid>/task/*/stat, so they hold on a busy machine better than wall time does.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/bench-common.sh
. scripts/lib/bench-common.sh
IMAGES="${1:-3000}"
JOBS="${2:-2}"
shift $(( $# < 2 ? $# : 2 ))
PORT="${BENCH_PORT:-18090}"
OUT="$PWD/target/bench-mixed"
CORPUS="$OUT/corpus-${BENCH_DISTINCT:-3000}"
[ -f "$CORPUS/stats.json" ] || { echo "no corpus in $CORPUS: run scripts/benchmark-mixed.sh first" >&2; exit 1; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -ntp -q package -DskipTests
fi
JAR="${BENCH_JAR:-$(ls target/faiss-shard-builder-*.jar | grep -v plain | head -1)}"
CATALOG="$OUT/body-catalog-$IMAGES.csv"
bench_catalog "$CORPUS" "$IMAGES" "$PORT" "$CATALOG"

NGINX_DIR="$OUT/nginx-body"
SERVICE_PID=""
cleanup() {
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null || true
  bench_stop_serving "$NGINX_DIR"
}
trap cleanup EXIT
bench_serve_corpus "$NGINX_DIR" "$CORPUS" "$PORT" "$CATALOG" || exit 1

STORAGE="$OUT/storage-body"
rm -rf "$STORAGE"
API_PORT="${BENCH_API_PORT:-18091}"
LOG="$OUT/body-$IMAGES.log"
# shellcheck disable=SC2086
java ${BENCH_JAVA_OPTS:-} -jar "$JAR" --fsb.catalog.location="$CATALOG" --fsb.storage.local.root="$STORAGE" \
  --server.address=127.0.0.1 --server.port="$API_PORT" --fsb.fetch.egress.allow=127.0.0.1/32 "$@" >"$LOG" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 1 600); do
  curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/actuator/health/readiness" && break
  kill -0 "$SERVICE_PID" 2>/dev/null || { echo "service exited, see $LOG" >&2; exit 1; }
  sleep 0.5
done

# Per thread group: user+system clock ticks of the service's threads, by name with digits dropped.
snapshot() {
  /usr/bin/python3 - "$SERVICE_PID" <<'PY'
import glob, json, re, sys
groups = {}
for stat in glob.glob(f"/proc/{sys.argv[1]}/task/*/stat"):
    try:
        text = open(stat).read()
    except OSError:
        continue
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    group = re.sub(r"[-#]?\d+$", "", name) or name
    group = re.sub(r"\d+", "N", group)
    groups[group] = groups.get(group, 0) + int(fields[11]) + int(fields[12])
print(json.dumps(groups))
PY
}

echo "Job body on $IMAGES images (nproc $(nproc), load $(bench_load))"
for job in $(seq 1 "$JOBS"); do
  before="$(snapshot)"
  start=$(date +%s.%N)
  id="$(curl -sf -X POST "http://127.0.0.1:$API_PORT/jobs" -H 'Content-Type: application/json' \
    -d "{\"prefix\":\"body-$job\"}" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
  while :; do
    view="$(curl -sf "http://127.0.0.1:$API_PORT/jobs/$id")"
    state="$(echo "$view" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')"
    case "$state" in SUCCEEDED|FAILED|CANCELLED) break ;; esac
    sleep 0.2
  done
  end=$(date +%s.%N)
  after="$(snapshot)"
  /usr/bin/python3 - "$job" "$IMAGES" "$start" "$end" "$before" "$after" "$view" <<'PY'
import json, os, sys
job, images, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
before, after, view = json.loads(sys.argv[5]), json.loads(sys.argv[6]), json.loads(sys.argv[7])
tick = os.sysconf("SC_CLK_TCK")
wall = end - start
used = {g: (after.get(g, 0) - before.get(g, 0)) / tick for g in after}
total = sum(used.values())
print(f"job {job}: {view['state']}, {view['counts']['embedded']} embedded, {view['counts']['failed']} failed; "
      f"wall {wall:.2f} s, {images / wall:.0f} images/s; CPU {total:.2f} s = {1000 * total / images:.2f} ms/image")
for group, seconds in sorted(used.items(), key=lambda kv: -kv[1]):
    if seconds > 0:
        print(f"   {group:24s} {1000 * seconds / images:6.3f} ms/image")
print("   stage seconds (summed over threads): " + json.dumps(view.get("stageSeconds")))
PY
done
