#!/bin/sh
# Container entrypoint of faiss-shard-builder. JVM flags come from JAVA_OPTS (split into words on
# purpose: it holds several flags); every container argument goes to the service unchanged, so
# `docker run IMAGE --fsb.job.run-once=true` and Kubernetes `args:` reach Spring Boot. exec replaces
# the shell, so the JVM is PID 1 and receives SIGTERM for a graceful stop at a batch boundary.
set -eu
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:-} -jar "${FSB_JAR:-/app/faiss-shard-builder.jar}" "$@"
