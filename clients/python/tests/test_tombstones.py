"""Deleted vectors (the manifest's ``tombstones``) are left out of searches, as the service's search does."""

import json
import os
import unittest

from tests import fixture
from faiss_shard_reader import VectorNotFound, faiss_id, open_index

FIXTURE = fixture.load()
LOCAL = FIXTURE["local"]


def manifest_path(folder):
    return os.path.join(folder, "faiss", "manifest.json")


def holders(folder, kind):
    """``{catalogue id: file}`` of every vector of one type, read from the id files the manifest names."""
    with open(manifest_path(folder)) as f:
        document = json.load(f)
    held = {}
    for entry in document["shards"] + document["openSegments"]:
        if entry["type"] != kind:
            continue
        with open(os.path.join(folder, entry["idsFile"])) as f:
            for line in f.read().splitlines():
                if line:
                    held[line.split("\t", 1)[1]] = entry["file"]
    return held


def add_tombstones(folder, tombstones):
    with open(manifest_path(folder)) as f:
        document = json.load(f)
    document.setdefault("tombstones", []).extend(tombstones)
    with open(manifest_path(folder), "w") as f:
        json.dump(document, f)


class TombstonedIndex(unittest.TestCase):

    def test_deleted_vectors_are_never_returned_and_the_rest_ranks_as_without_them(self):
        folder = fixture.copy_index(self, os.path.join(LOCAL, "shop"))
        want = FIXTURE["indexes"]["shop"]["types"]["combined"]
        query = want["queries"][0]
        deleted = [catalog_id for catalog_id, _ in query["ranking"][:3]]
        held = holders(folder, "combined")
        add_tombstones(folder, [{"type": "combined", "file": held[i], "id": faiss_id(i)} for i in deleted])
        index = open_index(folder)
        for k in (1, 10, want["vectors"] + 5):
            hits = index.search(query["vector"], k=k, type="combined")
            self.assertFalse({h.id for h in hits} & set(deleted), f"k={k}")
            fixture.assert_same_top_k(self, hits, query["ranking"], k, exclude=deleted, label=f"k={k}")
        for catalog_id in deleted:
            with self.assertRaises(VectorNotFound):
                index.vector_of(catalog_id, "combined")
        # Other types keep the rows: a tombstone is per type.
        color = FIXTURE["indexes"]["shop"]["types"]["color"]["queries"][0]
        fixture.assert_same_top_k(self, index.search(color["vector"], k=10, type="color"), color["ranking"], 10)

    def test_a_tombstone_in_another_file_leaves_the_live_vector_found(self):
        # A re-embedded row keeps its FAISS id: its old vector is dead in the old file only.
        folder = fixture.copy_index(self, os.path.join(LOCAL, "shop"))
        query = FIXTURE["indexes"]["shop"]["types"]["structure"]["queries"][0]
        held = holders(folder, "structure")
        top = query["ranking"][0][0]
        other = next(file for file in set(held.values()) if file != held[top])
        add_tombstones(folder, [{"type": "structure", "file": other, "id": faiss_id(top)}])
        index = open_index(folder)
        hits = index.search(query["vector"], k=10, type="structure")
        fixture.assert_same_top_k(self, hits, query["ranking"], 10)
        self.assertEqual(hits[0].id, top)
        index.vector_of(top, "structure")


if __name__ == "__main__":
    unittest.main()
