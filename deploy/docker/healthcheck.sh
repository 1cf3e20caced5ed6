#!/bin/bash
# Container health check (Dockerfile HEALTHCHECK, docker compose): healthy only when readiness answers
# 200, which Actuator sends for UP; 503 (DOWN, OUT_OF_SERVICE) or no answer is unhealthy. Plain bash
# over /dev/tcp, since the runtime image has no curl. SERVER_PORT pins Tomcat's port in the container.
set -eu
exec 3<>"/dev/tcp/127.0.0.1/${SERVER_PORT:-8080}"
printf 'GET /actuator/health/readiness HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS=' ' read -r _ status _ <&3
[ "$status" = "200" ]
