# syntax=docker/dockerfile:1
# Build stage: the JNI binding links Debian's static libfaiss.a, so build on the same Debian release
# the runtime uses.
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jdk-headless maven g++ libfaiss-dev libblas-dev liblapack-dev libturbojpeg0-dev libwebp-dev libspng-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pom.xml application.yml ./
RUN mvn -B -ntp -q dependency:go-offline
COPY src ./src
RUN mvn -B -ntp -q package -DskipTests \
 && cp target/faiss-shard-builder-*.jar /app.jar

# Runtime stage: a JRE and the shared libraries FAISS and the JPEG decoder need at run time, nothing else.
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless libgomp1 libblas3 liblapack3 libturbojpeg0 libwebp7 libspng0 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin fsb \
 && mkdir -p /app/data && chown -R fsb /app
WORKDIR /app
COPY --from=build /app.jar /app/faiss-shard-builder.jar
COPY samples /app/samples
USER 10001
ENV FSB_STORAGE_LOCAL_ROOT=/app/data/storage \
    JAVA_OPTS="-XX:MaxRAMPercentage=70"
EXPOSE 8080
# Health: Kubernetes probes /actuator/health/liveness and /actuator/health/readiness (see README).
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/faiss-shard-builder.jar"]
