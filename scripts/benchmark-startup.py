"""Start to ready, alone: launches a service command line RUNS times and measures each start.

    /usr/bin/python3 scripts/benchmark-startup.py RUNS LOG_PREFIX command [arguments ...]

Per run: wall seconds from launch to the first 200 of /actuator/health/readiness, the process's CPU
seconds (user+sys) and resident set at that moment, and the CPU of its threads grouped by name (JIT
compilers, the main thread, the native preload, GC, the rest), read from /proc/PID/task/*/stat.
Then it posts nothing and stops the service. Prints one tab-separated line per run, then the medians,
each with the load average at its start. Several commands compare A/B when run alternately by the
caller (scripts/benchmark-startup.sh).
"""

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request

TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ready(base):
    try:
        with urllib.request.urlopen(base + "/actuator/health/readiness", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def cpu_of(stat_path):
    fields = open(stat_path).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_groups(pid):
    groups = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            cpu = cpu_of(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue
        if name.startswith("C1 Comp") or name.startswith("C2 Comp"):
            group = "jit"
        elif name == "java":
            group = "main"
        elif name.startswith("native-pre"):
            group = "preload"
        elif name.startswith("VM Thread") or "GC" in name:
            group = "gc"
        else:
            group = "other"
        groups[group] = groups.get(group, 0.0) + cpu
    return groups


def rss_mb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0


def one_run(log_path, command):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load = os.getloadavg()[0]
    with open(log_path, "w") as log:
        launched = time.monotonic()
        process = subprocess.Popen(command + [f"--server.port={port}"], stdout=log, stderr=subprocess.STDOUT)
        try:
            while not ready(base):
                if process.poll() is not None:
                    raise SystemExit(f"the service exited ({process.returncode}) before ready, see {log_path}")
                time.sleep(0.01)
            wall = time.monotonic() - launched
            cpu = cpu_of(f"/proc/{process.pid}/stat")
            rss = rss_mb(process.pid)
            groups = thread_groups(process.pid)
        finally:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
    return {"wall": wall, "cpu": cpu, "rss": rss, "load": load, **groups}


COLUMNS = ["wall", "cpu", "rss", "main", "jit", "preload", "gc", "other", "load"]


def main():
    runs, log_prefix, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    print("\t".join(COLUMNS))
    results = []
    for run in range(runs):
        result = one_run(f"{log_prefix}-{run}.log", command)
        results.append(result)
        print("\t".join(f"{result.get(c, 0.0):.2f}" for c in COLUMNS), flush=True)
    print("\t".join(f"{statistics.median(r.get(c, 0.0) for r in results):.2f}" for c in COLUMNS) + "\tmedian")


if __name__ == "__main__":
    main()
