"""Runs a faiss-shard-builder build on Modal, split across N containers.

Each container runs the service image in run-once mode for one partition and exits; a container that
dies is retried by Modal and resumes from its partition's progress.json. Shards go to a Supabase bucket
(a container's own disk vanishes with it); settings come from two Modal secrets:

    modal secret create faiss-shard-builder-supabase SUPABASE_URL=https://<ref>.supabase.co \
        SUPABASE_KEY=<service role key> FSB_CATALOG_TYPE=supabase FSB_CATALOG_LOCATION=images
    modal secret create faiss-shard-builder-tokens FSB_API_TOKENS=write:$(openssl rand -hex 32)
    modal run deploy/modal/build_index.py --partitions 8

Modal builds the image from the repository's Dockerfile. Not run in this repository's CI (no Modal
account there); src/test/python checks that it imports and describes its image with a recording stub of modal.
"""
import os
import subprocess
from pathlib import Path

import modal


def _repository() -> Path:
    """The checkout around this file; in a Modal container, where this file is /root/build_index.py
    alone and no image is built, simply the file's own folder."""
    here = Path(__file__).resolve().parent
    for directory in (here, *here.parents):
        if (directory / "Dockerfile").is_file() and (directory / "pom.xml").is_file():
            return directory
    return here


REPOSITORY = _repository()
# The image's entrypoint script: JAVA_OPTS from the image, then our arguments to the service.
SERVICE = "/usr/local/bin/fsb-entrypoint"
# Exit codes of a run-once worker that a retry cannot change: 0 built, 1 failed, 2 cancelled.
FINAL_EXIT_CODES = (0, 1, 2)

image = modal.Image.from_dockerfile(
    REPOSITORY / "Dockerfile",
    context_dir=REPOSITORY,
    # Modal appends build steps of its own (add_python) after the Dockerfile: they must run as root.
    build_args={"RUNTIME_USER": "root"},
    add_python="3.11",
).entrypoint([])  # the image's ENTRYPOINT would swallow Modal's own container command

app = modal.App("faiss-shard-builder", image=image)


@app.function(
    cpu=4.0,
    memory=2048,
    timeout=24 * 3600,
    retries=modal.Retries(max_retries=5, initial_delay=10.0, backoff_coefficient=2.0),
    secrets=[
        modal.Secret.from_name("faiss-shard-builder-supabase", required_keys=["SUPABASE_URL", "SUPABASE_KEY"]),
        modal.Secret.from_name("faiss-shard-builder-tokens", required_keys=["FSB_API_TOKENS"]),
    ],
)
def build_partition(index: int, count: int) -> int:
    command = [
        SERVICE,
        "--fsb.job.run-once=true",
        f"--fsb.job.partition-index={index}",
        f"--fsb.job.partition-count={count}",
    ]
    environment = {**os.environ, "FSB_STORAGE_TYPE": "supabase"}
    code = subprocess.run(command, cwd="/app", env=environment, check=False).returncode
    if code in FINAL_EXIT_CODES:
        return code
    # Killed or crashed: raising makes Modal retry the partition, which resumes where it stopped.
    raise RuntimeError(f"partition {index} of {count} exited with {code}")


@app.local_entrypoint()
def main(partitions: int = 1):
    codes = list(build_partition.starmap([(i, partitions) for i in range(partitions)]))
    failed = {i: code for i, code in enumerate(codes) if code != 0}
    print(f"{partitions - len(failed)} of {partitions} partition(s) built: part-<i>-of-{partitions}/ under the prefix")
    if failed:
        raise SystemExit(f"partitions not built (1 = failed, 2 = cancelled): {failed}")
