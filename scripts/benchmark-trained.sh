#!/usr/bin/env bash
# Trained (compressed) against flat shards of the same vectors, both made by the service's shard writer:
# bytes, recall@10 against exact search, and search time per query on one thread, alternated.
#   scripts/benchmark-trained.sh [N=1000000] [FACTORIES=IVF256,PQ89] [TRAINING_SAMPLE=20000] [NPROBES=16] [QUERIES=100] [DATA=synthetic|real:FILE] [QUERY_KINDS=noise]
# FACTORIES: one or more FAISS factory strings separated by ';' (quote them), or 'auto' for the service's
#   AutoFactory choice (N expected vectors, shipped memory budget and recall floor), e.g. 'auto;PCAR224,IVF2048,SQ8'.
# NPROBES: one or more nprobe values separated by commas, each searched on the same shards (e.g. 8,16,32).
# QUERY_KINDS: noise (indexed vectors plus isotropic noise), unseen (generated vectors past N), or noise,unseen.
# DATA=real:FILE replays real combined vectors to N with noise. When FILE is missing it is made by
#   RealVectorsExport from the 3,000-picture mixed corpus (target/bench-mixed/corpus-3000, built here
#   as scripts/benchmark-mixed.sh builds it when missing, from Debian packages' pictures).
# The realistic million: scripts/benchmark-trained.sh 1000000 'auto;PCAR224,IVF2048,SQ8' 100000 8,16,32 100 real:target/bench-trained/combined-3000.f32
# Memory: flat shards of 1M x 1,164-d are 4.7 GB of native memory besides the heap (BENCH_XMX, default 3g;
#   JavaCPP refuses native allocations past 4 x the heap unless BENCH_JAVA_OPTS=-Dorg.bytedeco.javacpp.maxPhysicalBytes=...).
# FAISS and OpenBLAS threads: OMP_NUM_THREADS (default 1 here).
# A quick run: scripts/benchmark-trained.sh 100000
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  mvn -B -ntp -q -Pbenchmark test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
fi
CLASSPATH_ARG="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
DATA="${6:-synthetic}"
if [[ "$DATA" == real:* ]]; then
  FILE="${DATA#real:}"
  if [[ ! -s "$FILE" ]]; then
    CORPUS=target/bench-mixed/corpus-3000
    if [[ ! -f "$CORPUS/stats.json" ]]; then
      missing=()
      for package in openclipart-png gnome-backgrounds mate-backgrounds desktop-base python3-pil; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
      done
      if [ "${#missing[@]}" -gt 0 ]; then
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
        echo "Installing: ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
      fi
      echo "Corpus of 3000 distinct pictures in $CORPUS..."
      /usr/bin/python3 scripts/benchmark-mixed-corpus.py "$CORPUS" 3000
    fi
    echo "Embedding the corpus into $FILE (RealVectorsExport)..."
    mkdir -p "$(dirname "$FILE")"
    java -Xmx2g -cp "$CLASSPATH_ARG" dev.faissshard.bench.RealVectorsExport "$CORPUS/images" "$FILE"
  fi
fi
java "-Xmx${BENCH_XMX:-3g}" ${BENCH_JAVA_OPTS:-} -cp "$CLASSPATH_ARG" dev.faissshard.bench.TrainedIndexBenchmark "$@"
