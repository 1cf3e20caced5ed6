"""The reader on a many-shard index whose format 2 manifest keeps the older sealed shards in shard lists.

The index is written here with upstream FAISS in the layout the service publishes (``ManifestPublisher``:
32 entries per ``faiss/manifest/<type>_shards_<first>_<last>_<sha12>.json`` object, named with its sha256),
and the expectation is an exhaustive numpy search over every vector written."""

import hashlib
import json
import os
import shutil
import tempfile
import unittest

import faiss
import numpy as np

from faiss_shard_reader import ChecksumMismatch, InvalidIndex, open_index

PER_LIST = 32
SHARDS = 2 * PER_LIST + 6
PER_SHARD = 3
DIMENSION = 8


def _write(folder, key, data):
    path = os.path.join(folder, key)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def build_many_shard_index(folder):
    """``SHARDS`` sealed IDMap,Flat shards of type color, two lists plus inline entries; returns the vectors."""
    rng = np.random.default_rng(15)
    vectors = rng.standard_normal((SHARDS * PER_SHARD, DIMENSION)).astype(np.float32)
    entries = []
    for shard in range(SHARDS):
        ids = np.arange(shard * PER_SHARD + 1, (shard + 1) * PER_SHARD + 1, dtype=np.int64)
        index = faiss.index_factory(DIMENSION, "IDMap,Flat", faiss.METRIC_INNER_PRODUCT)
        index.add_with_ids(vectors[ids - 1], ids)
        data = faiss.serialize_index(index).tobytes()
        file = f"faiss/color_shard_{shard + 1:03d}.faiss"
        _write(folder, file, data)
        entries.append({"type": "color", "file": file, "vectors": PER_SHARD, "bytes": len(data),
                        "sha256": hashlib.sha256(data).hexdigest(), "dimension": DIMENSION,
                        "metric": "INNER_PRODUCT", "factory": "IDMap,Flat", "modelId": "builtin-color-v1",
                        "modelSha256": "0a" * 32, "minId": int(ids[0]), "maxId": int(ids[-1])})
    refs = []
    for first in range(0, SHARDS // PER_LIST * PER_LIST, PER_LIST):
        data = json.dumps(entries[first:first + PER_LIST], separators=(",", ":")).encode()
        sha = hashlib.sha256(data).hexdigest()
        file = f"faiss/manifest/color_shards_{first + 1:05d}_{first + PER_LIST:05d}_{sha[:12]}.json"
        _write(folder, file, data)
        refs.append({"type": "color", "file": file, "shards": PER_LIST, "bytes": len(data), "sha256": sha})
    manifest = {"formatVersion": 2, "publishedAt": "2026-12-02T08:00:00Z",
                "shards": entries[len(refs) * PER_LIST:], "openSegments": [], "complete": True,
                "shardLists": refs}
    _write(folder, "faiss/manifest.json", json.dumps(manifest, indent=2).encode())
    return vectors


class ManyShardIndexWithShardLists(unittest.TestCase):

    def setUp(self):
        self.folder = tempfile.mkdtemp(prefix="shard-lists-")
        self.addCleanup(shutil.rmtree, self.folder, True)
        self.vectors = build_many_shard_index(self.folder)

    def manifest(self):
        with open(os.path.join(self.folder, "faiss", "manifest.json")) as f:
            return json.load(f)

    def test_every_shard_of_every_list_and_the_inline_ones_is_read(self):
        index = open_index(self.folder)
        self.assertEqual(index.describe("color")["shards"], SHARDS)
        self.assertEqual(index.describe("color")["vectors"], SHARDS * PER_SHARD)
        keys = [e.key for e in index.partitions[0].entries]
        self.assertEqual(keys, [f"faiss/color_shard_{s + 1:03d}.faiss" for s in range(SHARDS)])
        self.assertTrue(index.completeness.complete)

    def test_search_is_the_exact_top_k_over_every_vector(self):
        index = open_index(self.folder)
        query = np.random.default_rng(7).standard_normal(DIMENSION).astype(np.float32)
        scores = self.vectors @ query
        expected = [str(i + 1) for i in np.argsort(-scores)[:10]]
        hits = index.search(query, k=10, type="color")
        self.assertEqual([h.id for h in hits], expected)
        for hit in hits:
            self.assertAlmostEqual(hit.score, float(scores[int(hit.id) - 1]), delta=1e-5)

    def test_a_shard_list_with_another_checksum_is_refused(self):
        ref = self.manifest()["shardLists"][1]
        path = os.path.join(self.folder, ref["file"])
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace('"vectors":3', '"vectors":4', 1))
        with self.assertRaises(ChecksumMismatch) as refused:
            open_index(self.folder)
        self.assertEqual(refused.exception.key, ref["file"])

    def test_a_missing_shard_list_is_an_invalid_index(self):
        os.remove(os.path.join(self.folder, self.manifest()["shardLists"][0]["file"]))
        with self.assertRaises(InvalidIndex):
            open_index(self.folder)

    def test_a_shard_list_reference_outside_the_list_folder_is_refused(self):
        document = self.manifest()
        document["shardLists"][0]["file"] = "../faiss/manifest/color_shards_00001_00032_000000000000.json"
        _write(self.folder, "faiss/manifest.json", json.dumps(document).encode())
        with self.assertRaises(InvalidIndex):
            open_index(self.folder)


if __name__ == "__main__":
    unittest.main()
