"""Merges trained shards written by the service with upstream FAISS's merge_ondisk and searches them.

Usage: merge_trained.py <trained.faiss> <queries.f32> <dimension> <k> <nprobe> <out.json> <shard.faiss>...
Writes the merged ntotal, each shard's ntotal and the ids and distances of the queries.
"""
import json
import sys

import faiss
import numpy as np
from faiss.contrib.ondisk import merge_ondisk

trained_path, queries_path, dimension, k, nprobe, out_path = sys.argv[1:7]
shards = sys.argv[7:]
dimension, k, nprobe = int(dimension), int(k), int(nprobe)

index = faiss.read_index(trained_path)
shard_counts = [faiss.read_index(path).ntotal for path in shards]
merge_ondisk(index, shards, out_path + ".ivfdata")
faiss.ParameterSpace().set_index_parameter(index, "nprobe", nprobe)
queries = np.fromfile(queries_path, dtype="<f4").reshape(-1, dimension)
distances, ids = index.search(queries, k)
with open(out_path, "w") as out:
    json.dump(
        {
            "ntotal": int(index.ntotal),
            "is_trained": bool(index.is_trained),
            "shard_ntotal": shard_counts,
            "ids": ids.tolist(),
            "distances": distances.tolist(),
        },
        out,
    )
