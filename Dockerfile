# syntax=docker/dockerfile:1
# Build stage: the JNI binding links Debian's static libfaiss.a, so build on the same Debian release
# the runtime uses. Builds natively for the builder's architecture (amd64 or arm64):
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/faiss-shard-builder:<tag> --push .
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jdk-headless maven g++ libfaiss-dev libblas-dev liblapack-dev libturbojpeg0-dev libwebp-dev libspng-dev libdeflate-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml application.yml ./
RUN mvn -B -ntp -q dependency:go-offline
COPY src ./src
# libfaiss.a lives under the multiarch directory of the build architecture (x86_64-linux-gnu,
# aarch64-linux-gnu); the jar is then split into Spring Boot's layers so that a code change rebuilds
# only the small application layer of the image, not the ~150 MB of dependencies.
RUN mvn -B -ntp -q package -DskipTests -Dfaiss.lib="/usr/lib/$(gcc -print-multiarch)/libfaiss.a" \
 && cp target/faiss-shard-builder-*.jar /faiss-shard-builder.jar \
 && java -Djarmode=tools -jar /faiss-shard-builder.jar extract --layers --destination /layers

# The runtime's JRE: Java 25 (Temurin's, for amd64 and arm64; Debian 12 packages none), whose AOT
# cache, built below by the launcher's training build, starts the service with less CPU than Java 17's
# class-data archive. The code is compiled for Java 17 and runs on either.
FROM eclipse-temurin:25-jre AS jre

# Runtime stage: a JRE and the shared libraries FAISS and the JPEG decoder need at run time, nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgomp1 libblas3 liblapack3 libopenblas0-openmp libturbojpeg0 libwebp7 libspng0 libdeflate0 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
ENV JAVA_HOME=/opt/java/openjdk
# /app/data is owned by uid 10001: a named volume mounted there starts with that ownership, so the
# service can write local storage; a bind mount must be writable by uid 10001 (or run with --user).
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin fsb \
 && mkdir -p /app/data /app/tmp \
 && chown 10001:10001 /app/data /app/tmp
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
COPY samples /app/samples
COPY scripts/run-service.sh /usr/local/bin/fsb-entrypoint
COPY deploy/docker/healthcheck.sh /usr/local/bin/fsb-healthcheck
# The entrypoint is the launcher every documented launch uses (scripts/run-service.sh): it sets the JVM
# options for a ~400 MB resident set (serial collector, small heap, MALLOC_ARENA_MAX=2, ...) and maps the
# class-data archive built here, by a training build of the bundled samples at image build time (never
# downloaded; a stale one is skipped). JAVA_OPTS adds to the launcher's options (later ones win). JNI
# libraries and ONNX Runtime extract to /app/tmp, so the root filesystem can be read-only; the training
# build extracts them to /tmp, which it empties again.
RUN JAVA_OPTS="-Djava.io.tmpdir=/tmp -Dorg.bytedeco.javacpp.cachedir=/tmp/javacpp" /usr/local/bin/fsb-entrypoint --prepare \
 && rm -rf /tmp/* /root/.javacpp
ENV FSB_STORAGE_LOCAL_ROOT=/app/data/storage \
    JAVA_OPTS="-Djava.io.tmpdir=/app/tmp -Dorg.bytedeco.javacpp.cachedir=/app/tmp/javacpp"
# Modal builds with RUNTIME_USER=root: it appends its own build steps (add_python) after this line,
# which must write /usr/local. Everywhere else the service runs as the unprivileged uid 10001.
ARG RUNTIME_USER=10001
USER ${RUNTIME_USER}
EXPOSE 8080
# Docker's own check; Kubernetes ignores it and probes /actuator/health/liveness and /readiness instead.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=5 CMD ["/usr/local/bin/fsb-healthcheck"]
ENTRYPOINT ["/usr/local/bin/fsb-entrypoint"]
