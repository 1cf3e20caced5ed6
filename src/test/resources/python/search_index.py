"""Opens a FAISS index with upstream FAISS (Debian's python3-faiss) and searches it.

Usage: search_index.py INDEX_FILE QUERIES_F32 DIMENSION K OUT_JSON
Writes {"ntotal", "d", "metric", "ids": [[...]], "distances": [[...]]} to OUT_JSON.
"""
import json
import sys

import faiss
import numpy as np


def main():
    index_file, queries_file, dimension, k, out_file = sys.argv[1:6]
    index = faiss.read_index(index_file)
    queries = np.fromfile(queries_file, dtype="<f4").reshape(-1, int(dimension))
    distances, ids = index.search(queries, int(k))
    with open(out_file, "w") as out:
        json.dump({
            "ntotal": int(index.ntotal),
            "d": int(index.d),
            "metric": int(index.metric_type),
            "ids": ids.tolist(),
            "distances": distances.tolist(),
        }, out)


if __name__ == "__main__":
    main()
