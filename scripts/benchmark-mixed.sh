#!/usr/bin/env bash
# Whole-process benchmark on a mixed corpus of real pictures, against the Python baseline.
#   scripts/benchmark-mixed.sh [IMAGES=3000] [RUNS=5] [--fsb.some.setting=value ...]
#
# Builds (once, cached in target/bench-mixed/) a corpus of real pictures from Debian packages
# (openclipart-png, gnome-backgrounds, mate-backgrounds, desktop-base) re-encoded like product images:
# 64% baseline JPEG, 5.5% progressive, 20% PNG (alpha, palette), 10.5% WebP, longest side 256-1024 px.
# IMAGES below 3000 take the first ones; above (e.g. 30000) the 3000 distinct pictures repeat under
# new ids (BENCH_DISTINCT changes the 3000). nginx serves them on 127.0.0.1. Then, RUNS rounds, each:
#  1. the service as users launch it (scripts/run-service.sh, prepared as the quick start prepares it,
#     in run-once mode, default settings, local storage), whole process;
#  2. when ../shared/python-baseline/ is there, the baseline (16 fetch threads, 2 processes);
#  3. one freshly started service (same launcher, as a server): start to ready, then two jobs of the
#     catalogue in it, each under its own prefix: the first and the second job's images/s (warm-up).
# Prints wall, CPU (user+sys) and peak RSS per run, medians, the service/baseline ratios, start to
# ready, and the first and second job's images/s against the baseline's whole-process images/s.
# Each figure line carries the machine's load average (it is shared: wall times are noisy).
#
# BENCH_JAVA_OPTS: extra JVM options of the service (JAVA_OPTS of the launcher; default none);
# BENCH_JAVA: the java command of the service (JAVA of the launcher, e.g. a JDK 25's bin/java);
# BENCH_SERVICE: a whole command line to launch the service instead (the jar path is appended);
# BENCH_PORT: the nginx port (default 18090); BENCH_SKIP_BUILD=1 reuses target/*.jar and its archive;
# BENCH_JOBS=0 leaves out step 3.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=SCRIPTDIR/lib/bench-common.sh
. scripts/lib/bench-common.sh
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

[ -n "${BENCH_JAVA:-}" ] && export JAVA="$BENCH_JAVA"
[ -n "${BENCH_JAVA_OPTS:-}" ] && export JAVA_OPTS="$BENCH_JAVA_OPTS"
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "Packaging the service and preparing its launch (scripts/run-service.sh --prepare)..."
  mvn -B -ntp -q package -DskipTests
  [ -z "${BENCH_SERVICE:-}" ] && scripts/run-service.sh --prepare
fi
if [ -n "${BENCH_SERVICE:-}" ]; then
  JAR="$(ls target/faiss-shard-builder-*.jar | grep -v plain | head -1)"
  # shellcheck disable=SC2206
  SERVICE=($BENCH_SERVICE "$JAR")
else
  SERVICE=(scripts/run-service.sh)
fi
echo "Service launch: $(scripts/run-service.sh --print-java-command | tr '\n' ' ')"

echo "Corpus of $DISTINCT distinct pictures in $CORPUS (cached between runs)..."
/usr/bin/python3 scripts/benchmark-mixed-corpus.py "$CORPUS" "$DISTINCT"
CATALOG="$OUT/catalog-$IMAGES.csv"
bench_catalog "$CORPUS" "$IMAGES" "$PORT" "$CATALOG"

NGINX_DIR="$OUT/nginx"
trap 'bench_stop_serving "$NGINX_DIR"' EXIT
bench_serve_corpus "$NGINX_DIR" "$CORPUS" "$PORT" "$CATALOG" || exit 1

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
  /usr/bin/time -v -o "$OUT/time.txt" "${SERVICE[@]}" \
    --fsb.job.run-once=true --fsb.catalog.location="$CATALOG" --fsb.storage.local.root="$storage" \
    --server.address=127.0.0.1 --server.port=0 --fsb.fetch.egress.allow=127.0.0.1/32 "$@" >"$log" 2>&1 \
    || { echo "service run $run failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
  local counts
  counts="$(grep -o '[0-9]* embedded, [0-9]* failed' "$log" | tail -1)"
  # A run that embedded nothing measured nothing (an egress refusal, a missing library): stop here.
  case "$counts" in "0 embedded"*|"") echo "service run $run embedded nothing ($counts), see $log" >&2; exit 1 ;; esac
  printf 'service\t%s\t%s\t%s, load %s\n' "$run" "$(measure "$OUT/time.txt")" "$counts" "$(bench_load)" | tee -a "$RESULTS"
}

JOBS_RESULTS="$OUT/jobs-$IMAGES.tsv"
: >"$JOBS_RESULTS"
# Step 3: one started service, start to ready, then two jobs in it.
run_jobs() {
  local run="$1" storage="$OUT/storage-jobs"
  shift
  rm -rf "$storage"
  local line
  line="$(/usr/bin/python3 scripts/benchmark-mixed-jobs.py "$OUT/jobs-$IMAGES-$run.log" "${SERVICE[@]}" \
    --fsb.catalog.location="$CATALOG" --fsb.storage.local.root="$storage" \
    --server.address=127.0.0.1 --fsb.fetch.egress.allow=127.0.0.1/32 "$@")" \
    || { echo "jobs run $run failed, see $OUT/jobs-$IMAGES-$run.log" >&2; exit 1; }
  printf 'jobs\t%s\t%s\tload %s\n' "$run" "$line" "$(bench_load)" | tee -a "$JOBS_RESULTS"
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
  printf 'baseline\t%s\t%s\t%s, load %s\n' "$run" "$(measure "$OUT/time.txt")" "$summary" "$(bench_load)" | tee -a "$RESULTS"
}

echo "Alternating $RUNS runs each on $IMAGES images (nproc $(nproc), load $(bench_load))"
printf 'who\trun\twall_s\tcpu_s\tpeak_rss_mb\tresult\n'
printf '(jobs\trun\tready_s\tcpu_at_ready_s\trss_at_ready_mb\tfirst_job_img_s\tsecond_job_img_s\tpeak_rss_mb\tthreads)\n'
for run in $(seq 1 "$RUNS"); do
  run_service "$run" "$@"
  if [ -d "$BASELINE" ]; then run_baseline "$run"; fi
  if [ "${BENCH_JOBS:-1}" != 0 ]; then run_jobs "$run" "$@"; fi
done

/usr/bin/python3 - "$RESULTS" "$IMAGES" "$JOBS_RESULTS" <<'PY'
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
jobs = [line.rstrip("\n").split("\t") for line in open(sys.argv[3]) if line.strip()]
if jobs:
    ready, cpu, rss, first, second, peak = (statistics.median(float(j[i]) for j in jobs) for i in range(2, 8))
    print(f"\nOne started service, medians over {len(jobs)} runs: start to ready {ready:.2f} s "
          f"({cpu:.1f} s CPU, {rss:.0f} MB RSS at ready); first job {first:.0f} images/s, "
          f"second job {second:.0f} images/s (second / first {second / first:.2f}x); peak RSS {peak:.0f} MB")
    if "baseline" in med:
        rate = int(sys.argv[2]) / med["baseline"][0]
        print(f"Baseline whole process {rate:.0f} images/s: first job {first / rate:.2f}x, "
              f"second job {second / rate:.2f}x of it")
PY
