"""One started service, two jobs: start to ready, then the first and the second job's images/s.

Used by scripts/benchmark-mixed.sh. Launches the service with the given command line (the documented
launcher), measures from launch to the first 200 of /actuator/health/readiness, reads the process's
CPU time and resident set at that moment, then builds the catalogue twice, each job under its own
storage prefix so the second embeds everything again, and prints one tab-separated line:

    ready_s  cpu_at_ready_s  rss_at_ready_mb  first_images_per_s  second_images_per_s  peak_rss_mb  threads_at_ready
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


def post_job(base, body):
    request = urllib.request.Request(
        base + "/jobs", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.headers["Location"]


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status(pid, key):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def run_job(base, prefix, timeout):
    location = post_job(base, {"prefix": prefix})
    deadline = time.time() + timeout
    while time.time() < deadline:
        view = json.loads(get(base + location)[1])
        if view["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.2)
    else:
        raise SystemExit(f"job {location} did not finish in {timeout} s")
    if view["state"] != "SUCCEEDED" or view["counts"]["embedded"] == 0:
        raise SystemExit(f"job {location} ended {view['state']} with {view['counts']}")
    started = parse_instant(view["startedAt"])
    finished = parse_instant(view["finishedAt"])
    return view["counts"]["embedded"] / (finished - started)


def parse_instant(text):
    # 2026-12-02T00:30:35.745123Z: seconds since the epoch, fraction kept.
    from datetime import datetime
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def main():
    log_path, command = sys.argv[1], sys.argv[2:]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        launched = time.monotonic()
        process = subprocess.Popen(command + [f"--server.port={port}"], stdout=log, stderr=subprocess.STDOUT)
        try:
            while True:
                if process.poll() is not None:
                    raise SystemExit(f"the service exited ({process.returncode}) before ready, see {log_path}")
                try:
                    if get(base + "/actuator/health/readiness")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.02)
            ready = time.monotonic() - launched
            cpu_ready = cpu_seconds(process.pid)
            rss_ready = status(process.pid, "VmRSS") / 1024
            threads = status(process.pid, "Threads")
            first = run_job(base, "bench-first", 3600)
            second = run_job(base, "bench-second", 3600)
            peak = status(process.pid, "VmHWM") / 1024
        finally:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"{ready:.2f}\t{cpu_ready:.2f}\t{rss_ready:.0f}\t{first:.0f}\t{second:.0f}\t{peak:.0f}\t{threads}")


if __name__ == "__main__":
    main()
