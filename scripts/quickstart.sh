#!/usr/bin/env bash
# Fresh machine to finished index: installs system packages, builds, starts the service on the embedded
# defaults (the bundled sample catalogue, local storage), runs a build job through the REST API, waits for
# it, shows where the shards and manifest are, and opens one shard with upstream FAISS in Python.
# Pass --keep-running to leave the service up afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

KEEP_RUNNING=false
[ "${1:-}" = "--keep-running" ] && KEEP_RUNNING=true

PORT="${PORT:-8080}"
DATA_DIR="${FSB_STORAGE_LOCAL_ROOT:-$PWD/data/storage}"
BASE="http://127.0.0.1:${PORT}"

scripts/install-deps.sh
echo "Building (first run downloads dependencies from Maven Central)..."
mvn -B -ntp -q package -DskipTests
JAR=$(ls target/faiss-shard-builder-*.jar | head -n 1)

mkdir -p "$(dirname "$DATA_DIR")" data
echo "Starting the service on port ${PORT} (log: data/service.log)..."
java ${JAVA_OPTS:-} -jar "$JAR" --server.port="$PORT" --fsb.storage.local.root="$DATA_DIR" >data/service.log 2>&1 &
SERVICE_PID=$!
stop_service() {
  if [ "$KEEP_RUNNING" = false ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    kill "$SERVICE_PID" && wait "$SERVICE_PID" 2>/dev/null || true
  fi
}
trap stop_service EXIT

for _ in $(seq 1 180); do
  if curl -fsS "$BASE/actuator/health/readiness" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    echo "The service exited during startup:"; tail -n 40 data/service.log; exit 1
  fi
  sleep 1
done
curl -fsS "$BASE/actuator/health/readiness" >/dev/null || { echo "Service not ready after 180 s"; tail -n 40 data/service.log; exit 1; }

echo "POST /jobs {}"
LOCATION=$(curl -fsS -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' "$BASE/jobs" \
  | tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
echo "Job: $LOCATION"

STATE=""
for _ in $(seq 1 600); do
  VIEW=$(curl -fsS "$BASE$LOCATION")
  STATE=$(printf '%s' "$VIEW" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
  case "$STATE" in SUCCEEDED|FAILED|CANCELLED) break ;; esac
  sleep 1
done
printf '%s' "$VIEW" | /usr/bin/python3 -c "$(cat <<'PY'
import json, sys
v = json.load(sys.stdin)
c = v["counts"]
print("State: {}  seen={} embedded={} skipped={} failed={} {}".format(
    v["state"], c["seen"], c["embedded"], c["skipped"], c["failed"], c["failedByReason"]))
for t, i in sorted(v["indexes"].items()):
    print("  {:9s} shards={} vectors={} bytes={}".format(t, i["sealedShards"], i["vectors"], i["bytes"]))
if v.get("lastError"):
    print("Error:", v["lastError"])
PY
)"
[ "$STATE" = "SUCCEEDED" ] || { echo "The job did not succeed; see data/service.log"; exit 1; }

echo
echo "Shards and manifest in ${DATA_DIR}:"
ls -l "$DATA_DIR/faiss" | grep -v '^total' || true
echo "Manifest: ${DATA_DIR}/faiss/manifest.json"
echo "Progress: ${DATA_DIR}/progress.json"
/usr/bin/python3 - "$DATA_DIR" <<'PY'
import json, sys, faiss
root = sys.argv[1]
manifest = json.load(open(f"{root}/faiss/manifest.json"))
first = manifest["shards"][0]
index = faiss.read_index(f"{root}/{first['file']}")
print(f"Upstream FAISS opened {first['file']}: {index.ntotal} vectors of dimension {index.d}")
PY
if [ "$KEEP_RUNNING" = true ]; then
  echo "Service still running at $BASE (pid $SERVICE_PID)"
fi
