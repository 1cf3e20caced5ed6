"""The reader on indexes the service built, read from the local storage folder."""

import json
import os
import unittest

import numpy as np

from tests import fixture
from faiss_shard_reader import (ChecksumMismatch, IdFileMismatch, IncompleteIndex, InvalidIndex, UnknownType,
                                VectorNotFound, faiss_id, open_index)

FIXTURE = fixture.load()
LOCAL = FIXTURE["local"]
TYPES = ("color", "structure", "combined")


def manifest(folder):
    with open(os.path.join(folder, "faiss", "manifest.json")) as f:
        return json.load(f)


class BuiltIndexSearch:
    """Shared checks of one built index against the brute-force expectations (mixed into test cases)."""

    name = None

    def open(self):
        raise NotImplementedError

    @property
    def expected(self):
        return FIXTURE["indexes"][self.name]

    def test_holds_every_vector_shard_and_segment_of_every_partition(self):
        index = self.open()
        self.assertEqual(index.types, sorted(TYPES))
        self.assertEqual(index.completeness.partition_count, self.expected["partitions"])
        for kind in TYPES:
            described = index.describe(kind)
            want = self.expected["types"][kind]
            self.assertEqual((described["vectors"], described["shards"], described["segments"]),
                             (want["vectors"], want["shards"], want["segments"]), kind)

    def test_merged_top_k_equals_exhaustive_search_over_the_union(self):
        index = self.open()
        for kind in TYPES:
            want = self.expected["types"][kind]
            for number, query in enumerate(want["queries"]):
                for k in (1, 10, want["vectors"] + 5):
                    hits = index.search(query["vector"], k=k, type=kind)
                    fixture.assert_same_top_k(self, hits, query["ranking"], k, label=f"{kind} query {number} k={k}")

    def test_search_by_id_uses_the_stored_vector_and_leaves_the_entry_out(self):
        index = self.open()
        for kind in TYPES:
            for query in self.expected["types"][kind]["queries"]:
                if query["id"] is None:
                    continue
                stored = index.vector_of(query["id"], kind)
                np.testing.assert_allclose(stored, np.asarray(query["vector"], dtype=np.float32), atol=1e-7)
                hits = index.search_by_id(query["id"], k=10, type=kind)
                fixture.assert_same_top_k(self, hits, query["ranking"], 10, exclude=(query["id"],),
                                          label=f"{kind} by id {query['id']}")
                with_self = index.search_by_id(query["id"], k=3, type=kind, exclude_self=False)
                self.assertEqual(with_self[0].id, query["id"])

    def test_hits_name_the_shard_they_came_from(self):
        index = self.open()
        keys = {entry.key for partition in index.partitions for entry in partition.entries}
        for kind in TYPES:
            for hit in index.search(self.expected["types"][kind]["queries"][-1]["vector"], k=50, type=kind):
                self.assertIn(hit.shard, keys)
                if self.expected["partitions"] > 1:
                    self.assertRegex(hit.shard, r"^part-\d+-of-2/faiss/")

    def test_every_catalogue_id_is_found_with_the_ids_the_service_gave(self):
        index = self.open().load()
        for kind in TYPES:
            found = sorted(catalog_id for shard in index._loaded(kind) for catalog_id in shard.catalog_ids)
            self.assertEqual(found, sorted(self.expected["types"][kind]["ids"]), kind)
            for shard in index._loaded(kind):
                for fid, catalog_id in zip(shard.faiss_ids.tolist(), shard.catalog_ids):
                    self.assertEqual(faiss_id(catalog_id), fid)


class ShardedIndexWithOpenSegment(BuiltIndexSearch, unittest.TestCase):
    name = "shop"

    def open(self):
        return open_index(LOCAL, prefix="shop")

    def test_open_segments_are_searched_and_string_ids_mapped_back(self):
        self.assertTrue(all(self.expected["types"][k]["segments"] > 0 for k in TYPES))
        self.assertTrue(all(i.startswith("sku-") for i in self.expected["types"]["color"]["ids"]))

    def test_a_build_with_open_segments_is_not_reported_complete(self):
        index = self.open()
        said = manifest(os.path.join(LOCAL, "shop")).get("complete")
        # A manifest says "complete" since the partitions.json work; before it, nothing can be told.
        self.assertEqual(index.completeness.complete, False if said is not None else None)
        self.assertEqual(index.completeness.source, "manifest")
        with self.assertRaises(IncompleteIndex):
            open_index(LOCAL, prefix="shop", require_complete=True)

    def test_unknown_type_or_id_is_a_typed_error(self):
        index = self.open()
        with self.assertRaises(VectorNotFound):
            index.vector_of("sku-9999", "color")
        with self.assertRaises(UnknownType):
            index.search([0.0], k=1, type="texture")

    def test_a_shard_with_another_checksum_is_refused(self):
        folder = fixture.copy_index(self, os.path.join(LOCAL, "shop"))
        segment = next(e for e in manifest(folder)["openSegments"] if e["type"] == "structure")
        path = os.path.join(folder, segment["file"])
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) - 3)
            byte = f.read(1)
            f.seek(-1, os.SEEK_CUR)
            f.write(bytes([byte[0] ^ 0x40]))
        index = open_index(folder)
        with self.assertRaises(ChecksumMismatch) as refused:
            index.search_by_id("sku-0003", k=5, type="structure")
        self.assertEqual(refused.exception.key, segment["file"])
        self.assertEqual(refused.exception.expected, segment["sha256"])
        self.assertTrue(index.search_by_id("sku-0003", k=5, type="color"), "other types still searchable")

    def test_an_id_file_naming_other_catalogue_ids_is_refused(self):
        folder = fixture.copy_index(self, os.path.join(LOCAL, "shop"))
        shard = next(e for e in manifest(folder)["shards"] if e["type"] == "combined")
        path = os.path.join(folder, shard["idsFile"])
        with open(path) as f:
            lines = f.read().split("\n")
        fid, _, catalog_id = lines[1].partition("\t")
        lines[1] = fid + "\t" + catalog_id + "-swapped"
        with open(path, "w") as f:
            f.write("\n".join(lines))
        with self.assertRaises(IdFileMismatch):
            open_index(folder).search([1.0] * shard["dimension"], k=1, type="combined")

    def test_a_manifest_naming_keys_outside_the_index_is_refused(self):
        folder = fixture.copy_index(self, os.path.join(LOCAL, "shop"))
        document = manifest(folder)
        document["shards"][0]["file"] = "../../etc/passwd"
        with open(os.path.join(folder, "faiss", "manifest.json"), "w") as f:
            json.dump(document, f)
        with self.assertRaises(InvalidIndex):
            open_index(folder)


class PartitionedIndex(BuiltIndexSearch, unittest.TestCase):
    name = "split"

    def open(self):
        return open_index(LOCAL, prefix="split")

    def test_completeness_follows_partitions_json_or_is_unknown_without_it(self):
        completeness = self.open().completeness
        self.assertEqual(completeness.partitions_present, [0, 1])
        if os.path.exists(os.path.join(LOCAL, "split", "faiss", "partitions.json")):
            self.assertEqual(completeness.source, "partitions.json")
            self.assertIs(completeness.complete, True)
        else:
            self.assertEqual(completeness.source, "listing")
            self.assertIsNone(completeness.complete)

    def test_partitions_json_of_the_contract_is_followed(self):
        folder = fixture.copy_index(self, os.path.join(LOCAL, "split"))
        listed = os.path.join(folder, "faiss", "partitions.json")
        if not os.path.exists(listed):
            # Contract §1's document, as the service writes it once that work is merged.
            os.makedirs(os.path.dirname(listed), exist_ok=True)
            with open(listed, "w") as f:
                json.dump({"formatVersion": 1, "partitionCount": 2, "partitions": [
                    {"index": i, "prefix": f"part-{i}-of-2", "manifest": f"part-{i}-of-2/faiss/manifest.json"}
                    for i in range(2)]}, f)
        said = [manifest(os.path.join(folder, f"part-{i}-of-2")).get("complete") for i in range(2)]
        index = open_index(folder)
        self.assertEqual(index.completeness.source, "partitions.json")
        self.assertEqual(index.completeness.complete, all(s is True for s in said))
        want = self.expected["types"]["combined"]["queries"][0]
        fixture.assert_same_top_k(self, index.search(want["vector"], k=10, type="combined"), want["ranking"], 10)

        os.remove(os.path.join(folder, "part-1-of-2", "faiss", "manifest.json"))
        partial = open_index(folder)
        self.assertIs(partial.completeness.complete, False)
        self.assertEqual(partial.completeness.partitions_present, [0])
        self.assertIn("partition 1 has no manifest yet", partial.completeness.reasons)


class PartialPartitionedIndex(unittest.TestCase):
    """Only partition 0 of 2 was built: searchable, and reported incomplete whichever way it is found."""

    def test_reported_incomplete_and_searchable(self):
        index = open_index(LOCAL, prefix="half")
        self.assertIs(index.completeness.complete, False)
        self.assertEqual(index.completeness.partition_count, 2)
        self.assertEqual(index.completeness.partitions_present, [0])
        with self.assertRaises(IncompleteIndex):
            open_index(LOCAL, prefix="half", require_complete=True)
        want = FIXTURE["indexes"]["half"]["types"]["color"]
        hits = index.search(want["queries"][0]["vector"], k=10, type="color")
        fixture.assert_same_top_k(self, hits, want["queries"][0]["ranking"], 10)



class IntegerIdsWithoutIdFiles(unittest.TestCase):
    """Manifests older than id files name none: integer catalogue ids are then their own FAISS ids."""

    def test_results_are_the_same_with_and_without_the_id_files(self):
        folder = fixture.copy_index(self, os.path.join(LOCAL, "quickstart"))
        with_files = open_index(folder).search_by_id("1", k=8, type="color")
        document = manifest(folder)
        for entry in document["shards"] + document["openSegments"]:
            del entry["idsFile"]
        with open(os.path.join(folder, "faiss", "manifest.json"), "w") as f:
            json.dump(document, f)
        without = open_index(folder).search_by_id("1", k=8, type="color")
        self.assertEqual([(h.id, h.score) for h in without], [(h.id, h.score) for h in with_files])
        self.assertTrue(all(h.id.isdigit() for h in without))


if __name__ == "__main__":
    unittest.main()
