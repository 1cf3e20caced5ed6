#!/usr/bin/env bash
# Whole-process benchmark on a mixed corpus of real pictures, against the Python baseline.
#   scripts/benchmark-mixed.sh [IMAGES=3000] [RUNS=5] [--fsb.some.setting=value ...]
#
# Builds (once, cached in target/bench-mixed/) a corpus of real pictures from Debian packages
# (openclipart-png, gnome-backgrounds, mate-backgrounds, desktop-base) re-encoded like product images:
# 64% baseline JPEG, 5.5% progressive, 20% PNG (alpha, palette), 10.5% WebP, longest side 256-1024 px.
# IMAGES below 3000 take the first ones; above (e.g. 30000) the 3000 distinct pictures repeat under
# new ids (BENCH_DISTINCT changes the 3000). nginx serves them on 127.0.0.1. Then, RUNS times each
# and alternately, the service as users launch it (the packaged jar in run-once mode, default settings,
# local storage) and, when ../shared/python-baseline/ is there, the baseline (16 fetch threads,
# 2 processes). Prints wall, CPU (user+sys) and peak RSS per run, medians
# and the service/baseline ratios.
#
# BENCH_JAVA_OPTS: JVM options of the service (default none, as `java -jar` in the README);
# BENCH_SERVICE: a whole command line to launch the service instead (the jar path is appended);
# BENCH_PORT: the nginx port (default 18090); BENCH_SKIP_BUILD=1 reuses target/*.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGES="${1:-3000}"
RUNS="${2:-5}"
shift $(( $# < 2 ? $# : 2 ))
PORT="${BENCH_PORT:-18090}"
DISTINCT="${BENCH_DISTINCT:-3000}"
OUT="$PWD/target/bench-mixed"
CORPUS="$OUT/corpus-$DISTINCT"
BASELINE="$PWD/../shared/python-baseline"

scripts/install-deps.sh
CORPUS_PACKAGES=(openclipart-png gnome-backgrounds mate-backgrounds desktop-base python3-pil nginx-light time)
[ -d "$BASELINE" ] && CORPUS_PACKAGES+=(python3-requests)
missing=()
for package in "${CORPUS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "Installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "Packaging the service..."
  mvn -B -ntp -q package -DskipTests
fi
JAR="$(ls target/faiss-shard-builder-*.jar | grep -v plain | head -1)"

echo "Corpus of $DISTINCT distinct pictures in $CORPUS (cached between runs)..."
/usr/bin/python3 scripts/benchmark-mixed-corpus.py "$CORPUS" "$DISTINCT"
CATALOG="$OUT/catalog-$IMAGES.csv"
/usr/bin/python3 - "$CORPUS/stats.json" "$IMAGES" "http://127.0.0.1:$PORT" "$CATALOG" <<'PY'
import json, sys
names = json.load(open(sys.argv[1]))["names"]
count, base, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(out, "w") as f:
    f.write("id,url\n")
    for i in range(count):
        f.write(f"{i + 1},{base}/images/{names[i % len(names)]}\n")
PY

NGINX_DIR="$OUT/nginx"
mkdir -p "$NGINX_DIR/logs"
cat >"$NGINX_DIR/nginx.conf" <<CONF
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types { image/jpeg jpg; image/png png; image/webp webp; }
  server {
    listen 127.0.0.1:$PORT;
    root $CORPUS;
  }
}
CONF
nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s stop 2>/dev/null && sleep 1 || true
nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf"
trap 'nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s stop 2>/dev/null || true' EXIT
curl -sf -o /dev/null "http://127.0.0.1:$PORT/images/$(head -2 "$CATALOG" | tail -1 | sed 's|.*/images/||')" \
  || { echo "nginx does not serve the corpus" >&2; exit 1; }

RESULTS="$OUT/results-$IMAGES.tsv"
: >"$RESULTS"
# GNU time's report: wall (s), user+sys (s), peak RSS of the largest process (MB).
measure() {
  local report="$1"
  /usr/bin/python3 - "$report" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def field(name):
    return re.search(re.escape(name) + r":\s*(.+)", text).group(1).strip()
parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
rss = int(field("Maximum resident set size (kbytes)")) / 1024
print(f"{wall:.2f}\t{cpu:.2f}\t{rss:.0f}")
PY
}

run_service() {
  local run="$1" storage="$OUT/storage-service"
  rm -rf "$storage"
  local log="$OUT/service-$IMAGES-$run.log"
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$OUT/time.txt" ${BENCH_SERVICE:-java ${BENCH_JAVA_OPTS:-}} -jar "$JAR" \
    --fsb.job.run-once=true --fsb.catalog.location="$CATALOG" --fsb.storage.local.root="$storage" \
    --server.address=127.0.0.1 --server.port=0 --fsb.fetch.egress.allow=127.0.0.1/32 "$@" >"$log" 2>&1 \
    || { echo "service run $run failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
  local counts
  counts="$(grep -o '[0-9]* embedded, [0-9]* failed' "$log" | tail -1)"
  # A run that embedded nothing measured nothing (an egress refusal, a missing library): stop here.
  case "$counts" in "0 embedded"*|"") echo "service run $run embedded nothing ($counts), see $log" >&2; exit 1 ;; esac
  printf 'service\t%s\t%s\t%s\n' "$run" "$(measure "$OUT/time.txt")" "$counts" | tee -a "$RESULTS"
}

run_baseline() {
  local run="$1" storage="$OUT/storage-baseline"
  rm -rf "$storage"
  local log="$OUT/baseline-$IMAGES-$run.log"
  /usr/bin/time -v -o "$OUT/time.txt" /usr/bin/python3 "$BASELINE/build_index.py" --manifest "$CATALOG" \
    --storage "local:$storage" --fetch-workers 16 --workers 2 >"$log" 2>&1 \
    || { echo "baseline run $run failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
  local summary
  summary="$(tail -1 "$log" | /usr/bin/python3 -c 'import json, sys
r = json.load(sys.stdin)
print("%d embedded, %d failed, all processes %.0f MB" % (r["images"], r["failed"], r["peak_rss_mb"] + r["peak_rss_children_mb"]))')"
  printf 'baseline\t%s\t%s\t%s\n' "$run" "$(measure "$OUT/time.txt")" "$summary" | tee -a "$RESULTS"
}

echo "Alternating $RUNS runs each on $IMAGES images (nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg))"
printf 'who\trun\twall_s\tcpu_s\tpeak_rss_mb\tresult\n'
for run in $(seq 1 "$RUNS"); do
  run_service "$run" "$@"
  [ -d "$BASELINE" ] && run_baseline "$run"
done

/usr/bin/python3 - "$RESULTS" "$IMAGES" <<'PY'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
med = {}
for who in ("service", "baseline"):
    mine = [r for r in rows if r[0] == who]
    if mine:
        med[who] = [statistics.median(float(r[i]) for r in mine) for i in (2, 3, 4)]
print(f"\nMedians over {len(rows) // max(1, len(med))} runs, {sys.argv[2]} images:")
print("| | wall s | CPU s | peak RSS MB (largest process) | images/s |")
print("|---|---|---|---|---|")
for who, (wall, cpu, rss) in med.items():
    print(f"| {who} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {int(sys.argv[2]) / wall:.0f} |")
if len(med) == 2:
    s, b = med["service"], med["baseline"]
    print(f"| service / baseline | {s[0] / b[0]:.2f}x | {s[1] / b[1]:.2f}x | {s[2] / b[2]:.2f}x | |")
PY
