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
# Without FSB_API_TOKENS the service is unauthenticated and loopback-only; with it, use its first write token.
WRITE_TOKEN=$(printf '%s' "${FSB_API_TOKENS:-}" | tr ',' '\n' | sed -n 's/^ *[Ww][Rr][Ii][Tt][Ee]: *//p' | head -n 1)
AUTH=()
[ -n "$WRITE_TOKEN" ] && AUTH=(-H "Authorization: Bearer ${WRITE_TOKEN}")

scripts/install-deps.sh
echo "Building (first run downloads dependencies from Maven Central)..."
mvn -B -ntp -q package -DskipTests
# One-time setup of the launch: unpack the jar and build its class-data archive with a short training
# build (about as long as one start). Without it the service still starts, only slower.
echo "Preparing the launch (class-data archive, see scripts/run-service.sh)..."
scripts/run-service.sh --prepare || echo "(no archive: the service starts without it)"

mkdir -p "$(dirname "$DATA_DIR")" data
echo "Starting the service on port ${PORT} (log: data/service.log)..."
scripts/run-service.sh --server.port="$PORT" --fsb.storage.local.root="$DATA_DIR" >data/service.log 2>&1 &
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
LOCATION=$(curl -fsS "${AUTH[@]}" -D - -o /dev/null -X POST -H 'Content-Type: application/json' -d '{}' "$BASE/jobs" \
  | tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
echo "Job: $LOCATION"

STATE=""
for _ in $(seq 1 600); do
  VIEW=$(curl -fsS "${AUTH[@]}" "$BASE$LOCATION")
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
/usr/bin/python3 - "$DATA_DIR" samples/catalog.csv <<'PY'
# What a consumer does: follow the manifest, open shards with upstream FAISS, search, map ids back.
import csv, hashlib, json, os, sys
import faiss
root, catalog = sys.argv[1], sys.argv[2]
names = {row["id"]: os.path.basename(row["image_url"]) for row in csv.DictReader(open(catalog))}
manifest = json.load(open(f"{root}/faiss/manifest.json"))
# Format 2 keeps the older sealed shards of a type in shard lists it names with their sha256: the
# sealed shards are the entries of those lists, in order, then the manifest's own "shards".
sealed = []
for ref in manifest.get("shardLists", []):
    data = open(f"{root}/{ref['file']}", "rb").read()
    assert hashlib.sha256(data).hexdigest() == ref["sha256"], f"{ref['file']} differs from the manifest"
    sealed += json.loads(data)
sealed += manifest["shards"]
query_id = "1"
print(f"Nearest products to {names[query_id]}, opened with upstream FAISS {faiss.__version__}:")
for kind in ("color", "structure", "combined"):
    # An index is its sealed shards plus the open segments of the shard still being filled (a
    # finished job keeps that tail open for the next one); both are plain FAISS files.
    files = [s for s in sealed + manifest["openSegments"] if s["type"] == kind]
    opened = []
    for entry in files:
        index = faiss.read_index(f"{root}/{entry['file']}")
        ids = [line.split("\t")[1].strip() for line in open(f"{root}/{entry['idsFile']}")]
        opened.append((index, ids))
    index, ids = next((i, ids) for i, ids in opened if query_id in ids)
    query = faiss.downcast_index(index.index).reconstruct(ids.index(query_id)).reshape(1, -1)
    hits = []
    for index, _ in opened:
        scores, labels = index.search(query, 4)
        hits += [(d, str(h)) for d, h in zip(scores[0], labels[0]) if h >= 0]
    hits = sorted((h for h in hits if h[1] != query_id), key=lambda h: -h[0])[:3]
    found = ", ".join(f"{names[h]} ({d:.2f})" for d, h in hits)
    print(f"  {kind:9s} d={index.d:<4d} {found}")
PY
if [ "$KEEP_RUNNING" = true ]; then
  echo "Service still running at $BASE (pid $SERVICE_PID)"
fi
