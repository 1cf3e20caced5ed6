"""Runs a faiss-shard-builder build on Modal, split across N containers.

Each container runs the service image in run-once mode for one partition and exits; Modal retries a
failed container, which resumes from its partition's progress.json. Storage and catalogue settings come
from a Modal secret holding the same variables as .env (see .env.example):

    modal secret create faiss-shard-builder --from-dotenv .env
    modal run deploy/modal/build_index.py --partitions 8

Written against Modal's documented Image.from_dockerfile / Function.starmap API; not run in this
repository's CI (no Modal account or network there).
"""
import subprocess
from pathlib import Path

import modal

ROOT = Path(__file__).resolve().parents[2]

image = modal.Image.from_dockerfile(str(ROOT / "Dockerfile"), context_dir=str(ROOT), add_python="3.11")
app = modal.App("faiss-shard-builder", image=image)


@app.function(
    cpu=8,
    memory=16384,
    timeout=24 * 3600,
    retries=modal.Retries(max_retries=5, initial_delay=10.0),
    secrets=[modal.Secret.from_name("faiss-shard-builder")],
)
def build_partition(index: int, count: int) -> int:
    command = [
        "java", "-XX:MaxRAMPercentage=70", "-jar", "/app/faiss-shard-builder.jar",
        "--fsb.job.run-once=true",
        f"--fsb.job.partition-index={index}",
        f"--fsb.job.partition-count={count}",
    ]
    # A non-zero exit (failed or interrupted job) raises, so Modal retries the partition; it resumes.
    subprocess.run(command, check=True, cwd="/app")
    return index


@app.local_entrypoint()
def main(partitions: int = 1):
    done = list(build_partition.starmap([(i, partitions) for i in range(partitions)]))
    print(f"{len(done)} partition(s) built: part-<i>-of-{partitions}/ under the configured prefix")
