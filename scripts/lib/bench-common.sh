# shellcheck shell=bash
# Sourced, not run: what the benchmarks that serve pictures on loopback share (benchmark.sh,
# benchmark-mixed.sh, benchmark-job-body.sh), so that they serve them the same way.
#   bench_catalog CORPUS IMAGES PORT CSV        writes the catalogue of IMAGES ids over the corpus
#   bench_serve_corpus NGINX_DIR CORPUS PORT CSV  serves the corpus with nginx on 127.0.0.1:PORT
#   bench_stop_serving NGINX_DIR                stops that nginx (safe when it is not running)
#   bench_load                                  the machine's three load averages

# CSV "id,url", ids 1..IMAGES; past the corpus's pictures the same pictures repeat under new ids.
bench_catalog() {
  /usr/bin/python3 - "$1/stats.json" "$2" "http://127.0.0.1:$3" "$4" <<'PY'
import json, sys
names = json.load(open(sys.argv[1]))["names"]
count, base, out = int(sys.argv[2]), sys.argv[3], sys.argv[4]
with open(out, "w") as f:
    f.write("id,url\n")
    for i in range(count):
        f.write(f"{i + 1},{base}/images/{names[i % len(names)]}\n")
PY
}

# nginx with its own config, pid and logs under NGINX_DIR, serving CORPUS (URLs .../images/NAME);
# a leftover of an earlier run killed before its trap fired is stopped first; checked by fetching the
# catalogue's first picture.
bench_serve_corpus() {
  local dir="$1" corpus="$2" port="$3" catalog="$4"
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  types { image/jpeg jpg; image/png png; image/webp webp; }
  server {
    listen 127.0.0.1:$port;
    root $corpus;
  }
}
CONF
  nginx -p "$dir" -c "$dir/nginx.conf" -s stop 2>/dev/null && sleep 1 || true
  nginx -p "$dir" -c "$dir/nginx.conf"
  curl -sf -o /dev/null "http://127.0.0.1:$port/images/$(head -2 "$catalog" | tail -1 | sed 's|.*/images/||')" \
    || { echo "nginx does not serve the corpus" >&2; return 1; }
}

bench_stop_serving() {
  nginx -p "$1" -c "$1/nginx.conf" -s stop 2>/dev/null || true
}

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }
