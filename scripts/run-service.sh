#!/usr/bin/env bash
# Launcher of faiss-shard-builder: the one way the README, scripts/quickstart.sh, the container image
# (its entrypoint), Kubernetes and compose start the service, with the JVM options it ships with.
#
#   scripts/run-service.sh [service arguments ...]     start the service (exec: java becomes this process)
#   scripts/run-service.sh --prepare [arguments ...]   one-time setup, then exit: unpack the jar and build
#                                                      the class-data archive with a short training build
#   scripts/run-service.sh --print-java-command        print the command it would run, one word a line
#
# Environment:
#   FSB_JAR        the jar (default: /app/faiss-shard-builder.jar in the image; in a checkout, the jar
#                  that --prepare unpacked from target/faiss-shard-builder-*.jar, else that jar itself)
#   JAVA           the java command (default: $JAVA_HOME/bin/java, else java on the PATH, or the newest
#                  Java 25+ in FSB_JVM_ROOT (/usr/lib/jvm) when the PATH's is older)
#   JAVA_OPTS      more JVM options, after the shipped ones, so that they win (-Xmx512m, ...)
#   FSB_HEAP       maximum heap (default 128m: the live set is 50-60 MB between batches)
#   FSB_ARCHIVE    off: no class-data archive; a path: that archive (default next to the jar)
#
# Why these options: on the 1-2 cores a pod gets, the serial collector has the smallest footprint and
# no GC threads; a small fixed heap keeps the resident set near the live set (ONNX Runtime, FAISS and
# the decoders allocate ~150 MB outside the heap); MALLOC_ARENA_MAX caps glibc's per-thread arenas,
# where native memory otherwise grows unnoticed; smaller thread stacks and code cache bound the rest.
# The class-data archive (AppCDS on Java 17-24, the AOT cache with method profiles from a real build on
# Java 25+) lets the JVM map the classes it would otherwise load, verify and link on every start, and
# on Java 25 also start compiling the pipeline early. It is built here, never downloaded: by the image
# build, by scripts/quickstart.sh, or by running --prepare. A missing or stale archive (older than the
# jar, another JVM) is skipped with a note, and the service starts without it.
set -euo pipefail

# Every fork and exec below is paid on each start, before java runs (0.5-1 s of wall on a loaded
# 2-core machine with the forty-odd dirname, readlink and sed calls this had): bash builtins only,
# except one readlink for a java that is a symlink (/usr/bin/java) and one pwd subshell.
case "$0" in */*) SCRIPT_DIR=${0%/*} ;; *) SCRIPT_DIR=. ;; esac
SCRIPT_DIR=$(CDPATH='' cd -- "$SCRIPT_DIR" && pwd)
REPO_DIR=${SCRIPT_DIR%/*}
note() { printf 'run-service: %s\n' "$*" >&2; }

MODE=run
case "${1:-}" in
  --prepare) MODE=prepare; shift ;;
  --print-java-command) MODE=print; shift ;;
esac

# The Java feature version of a java command, from the runtime's release file (reading it costs
# nothing; asking `java -version` would start a JVM), into VERSION (0 when there is none): a
# variable, not printed, because a command substitution forks.
java_feature_version() {
  VERSION=0
  local java_path="" dir dirs line
  case "$1" in
    */*) [ -x "$1" ] && java_path=$1 ;;
    *)
      IFS=: read -r -a dirs <<<"$PATH"
      for dir in "${dirs[@]}"; do
        if [ -f "${dir:-.}/$1" ] && [ -x "${dir:-.}/$1" ]; then java_path=${dir:-.}/$1; break; fi
      done
      ;;
  esac
  [ -n "$java_path" ] || return 0
  if [ -L "$java_path" ]; then
    java_path=$(readlink -f "$java_path" 2>/dev/null || printf '%s' "$java_path")
  fi
  # <home>/bin/java -> <home>/release
  dir=${java_path%/*}
  release="${dir%/*}/release"
  if [ -r "$release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case "$line" in
        JAVA_VERSION=\"[0-9]*)
          line=${line#JAVA_VERSION=\"}
          VERSION=${line%%[!0-9]*}
          return 0
          ;;
      esac
    done <"$release"
  fi
  line=$("$1" -version 2>&1 | sed -n '1s/^[^"]*"\([0-9]*\).*/\1/p')
  VERSION=${line:-0}
}

# Java 25's AOT cache starts the service with less CPU than Java 17's AppCDS archive, so when
# nothing names the runtime (JAVA, JAVA_HOME) and the java on the PATH is older, the newest Java 25+
# installed beside it (/usr/lib/jvm, where Debian's and Adoptium's packages put them; FSB_JVM_ROOT)
# runs the service. --prepare and the start pick the same one, so the archive matches the runtime.
# Into NEWEST_JAVA ("" when none).
newest_java_25() {
  NEWEST_JAVA=""
  local best_version=0 candidate
  for candidate in "${FSB_JVM_ROOT:-/usr/lib/jvm}"/*/bin/java; do
    [ -x "$candidate" ] || continue
    java_feature_version "$candidate"
    if [ "$VERSION" -ge 25 ] && [ "$VERSION" -gt "$best_version" ]; then
      NEWEST_JAVA=$candidate best_version=$VERSION
    fi
  done
}

if [ -n "${JAVA:-}" ]; then
  :
elif [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
  java_feature_version java
  if [ "$VERSION" -lt 25 ]; then
    newest_java_25
    [ -n "$NEWEST_JAVA" ] && JAVA=$NEWEST_JAVA
  fi
fi
java_feature_version "$JAVA"
FEATURE=$VERSION

# The fat jar of a checkout is unpacked (java -Djarmode=tools extract) into target/run: a class-data
# archive needs plain jars on the class path, and the JVM opens plain jars faster than nested ones.
# Into JAR ("" when none).
first_jar() {
  JAR=""
  local jar
  for jar in "$@"; do
    case "$jar" in *-plain.jar) continue ;; esac
    if [ -f "$jar" ]; then JAR=$jar; return; fi
  done
}
first_jar "$REPO_DIR"/target/faiss-shard-builder-*.jar
FAT_JAR=$JAR
UNPACKED_DIR="$REPO_DIR/target/run"
unpacked_jar() { first_jar "$UNPACKED_DIR"/faiss-shard-builder-*.jar; }

if [ -z "${FSB_JAR:-}" ]; then
  if [ -f /app/faiss-shard-builder.jar ]; then
    FSB_JAR=/app/faiss-shard-builder.jar
  elif [ -n "$FAT_JAR" ]; then
    if [ "$MODE" = prepare ]; then
      unpacked_jar
      if [ -z "$JAR" ] || [ "$FAT_JAR" -nt "$JAR" ]; then
        note "unpacking $FAT_JAR into $UNPACKED_DIR"
        rm -rf "$UNPACKED_DIR"
        "$JAVA" -Djarmode=tools -jar "$FAT_JAR" extract --destination "$UNPACKED_DIR" >/dev/null
      fi
    fi
    unpacked_jar
    FSB_JAR=$JAR
    if [ -z "$FSB_JAR" ] || [ "$FAT_JAR" -nt "$FSB_JAR" ]; then
      [ -n "$FSB_JAR" ] && note "target/run is older than $FAT_JAR; running the fat jar (--prepare unpacks it again)"
      FSB_JAR=$FAT_JAR
    fi
  else
    note "no jar: build it (mvn -B -ntp package -DskipTests) or set FSB_JAR"
    exit 1
  fi
fi

# Shipped JVM options. The heap is capped low on purpose: a bigger heap only lets garbage pile up
# into resident memory; it starts at 32 MB and grows as needed.
# C1 only (TieredStopAtLevel=1): the hot paths are native (decoders, ONNX Runtime, FAISS), so C2's
# faster Java code gained the second job nothing measurable, while its compiler threads took half of
# start-up's CPU and the first job's, on the same two cores (the warm-up cliff).
JVM=(-XX:+UseSerialGC -Xms32m "-Xmx${FSB_HEAP:-128m}" -XX:MaxMetaspaceSize=128m
  -XX:ReservedCodeCacheSize=64m -Xss512k -XX:MaxDirectMemorySize=64m -XX:+ExitOnOutOfMemoryError
  -XX:TieredStopAtLevel=1)
if [ "$FEATURE" -ge 22 ]; then
  # JavaCPP and ONNX Runtime call native code; without this, Java 22+ prints a warning per library.
  JVM+=(--enable-native-access=ALL-UNNAMED)
fi
# JAVA_OPTS is split into words on purpose: it holds several flags.
read -r -a EXTRA <<<"${JAVA_OPTS:-}"

ARCHIVE="${FSB_ARCHIVE:-}"
if [ -z "$ARCHIVE" ]; then
  if [ "$FEATURE" -ge 25 ]; then
    ARCHIVE="${FSB_JAR%.jar}.jdk$FEATURE.aot"
  else
    ARCHIVE="${FSB_JAR%.jar}.jdk$FEATURE.jsa"
  fi
fi

if [ "$MODE" = prepare ]; then
  [ "$ARCHIVE" = off ] && { note "FSB_ARCHIVE=off: nothing to prepare"; exit 0; }
  if [ "$FEATURE" -lt 17 ]; then
    note "Java $FEATURE is too old (17 or newer needed)"
    exit 1
  fi
  # A real build of the bundled sample catalogue into a scratch folder: the archive then holds the
  # classes of the job pipeline too, and on Java 25 the profiles of its hot methods.
  CATALOG="${FSB_TRAINING_CATALOG:-}"
  if [ -z "$CATALOG" ]; then
    for candidate in "$PWD/samples/catalog.csv" "$REPO_DIR/samples/catalog.csv" /app/samples/catalog.csv; do
      if [ -f "$candidate" ]; then CATALOG=$candidate; break; fi
    done
  fi
  [ -n "$CATALOG" ] || { note "no training catalogue (set FSB_TRAINING_CATALOG)"; exit 1; }
  SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/fsb-training.XXXXXX")
  trap 'rm -rf "$SCRATCH"' EXIT
  rm -f "$ARCHIVE"
  if [ "$FEATURE" -ge 25 ]; then
    JVM+=("-XX:AOTCacheOutput=$ARCHIVE")
  else
    JVM+=("-XX:ArchiveClassesAtExit=$ARCHIVE")
  fi
  note "training run on $CATALOG for $ARCHIVE (Java $FEATURE)"
  if ! "$JAVA" "${JVM[@]}" "${EXTRA[@]}" -jar "$FSB_JAR" --fsb.job.run-once=true \
      --fsb.catalog.location="$CATALOG" --fsb.storage.local.root="$SCRATCH/storage" \
      --server.address=127.0.0.1 --server.port=0 "$@" >"$SCRATCH/training.log" 2>&1 || [ ! -s "$ARCHIVE" ]; then
    note "training run failed; the service will start without an archive. Its log:"
    tail -n 30 "$SCRATCH/training.log" >&2
    rm -f "$ARCHIVE"
    exit 1
  fi
  note "archive ready: $ARCHIVE ($(du -k "$ARCHIVE" | cut -f1) kB)"
  exit 0
fi

if [ "$ARCHIVE" != off ]; then
  if [ ! -f "$ARCHIVE" ]; then
    [ -n "${FSB_ARCHIVE:-}" ] && note "no class-data archive $ARCHIVE; starting without (--prepare builds it)"
  elif [ "$FSB_JAR" -nt "$ARCHIVE" ]; then
    note "class-data archive $ARCHIVE is older than $FSB_JAR; starting without (--prepare rebuilds it)"
  elif [ "$FEATURE" -ge 25 ]; then
    JVM+=("-XX:AOTCache=$ARCHIVE")
  else
    JVM+=("-XX:SharedArchiveFile=$ARCHIVE")
  fi
fi

# glibc's malloc arenas: two instead of eight per core, for ONNX Runtime's and the decoders' threads.
MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export MALLOC_ARENA_MAX
# glibc's mmap threshold fixed at 4 MiB: by default it rises to the size of each large block freed (up
# to 32 MiB), after which the build's blocks of a few MiB (segments, FAISS arrays, model tensors) come
# from the arenas, which keep their pages once freed. Measured on a 3,000-image build: 8 MB less peak
# RSS, the same CPU. Smaller blocks stay in the arenas: mapping each one cost 20% more CPU.
MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-4194304}"
export MALLOC_MMAP_THRESHOLD_

COMMAND=("$JAVA" "${JVM[@]}" "${EXTRA[@]}" -jar "$FSB_JAR" "$@")
if [ "$MODE" = print ]; then
  printf '%s\n' "${COMMAND[@]}"
  exit 0
fi
# exec makes java this process, so in a container it is PID 1 and receives SIGTERM for a graceful
# stop at a batch boundary.
exec "${COMMAND[@]}"
