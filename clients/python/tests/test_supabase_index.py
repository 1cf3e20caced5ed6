"""The reader on the same built indexes, served by the project's Supabase Storage emulator on 127.0.0.1."""

import json
import os
import subprocess
import sys
import unittest
from types import SimpleNamespace

from tests import fixture
from tests.test_local_index import TYPES, BuiltIndexSearch
from faiss_shard_reader import BucketNotFound, ChecksumMismatch, IndexNotFound, StorageAccessDenied, open_index

FIXTURE = fixture.load()
SUPABASE = FIXTURE["supabase"]


def open_remote(prefix, key=None, **options):
    return open_index(supabase_url=SUPABASE["url"], key=key or SUPABASE["key"], bucket=SUPABASE["bucket"],
                      prefix=prefix, **options)


class ShardedIndexFromSupabase(BuiltIndexSearch, unittest.TestCase):
    name = "shop"

    def open(self):
        return open_remote("shop")


class PartitionedIndexFromSupabase(BuiltIndexSearch, unittest.TestCase):
    name = "split"

    def open(self):
        return open_remote("split")

    def test_partitions_are_found_through_the_storage_api(self):
        completeness = self.open().completeness
        self.assertEqual(completeness.partitions_present, [0, 1])
        self.assertIn(completeness.source, ("partitions.json", "listing"))
        self.assertIsNot(completeness.complete, False)


class StorageFailuresFromSupabase(unittest.TestCase):

    def test_partial_partitioned_build_is_reported_incomplete(self):
        completeness = open_remote("half").completeness
        self.assertIs(completeness.complete, False)
        self.assertEqual((completeness.partition_count, completeness.partitions_present), (2, [0]))

    def test_a_downloaded_shard_with_another_checksum_is_refused(self):
        index = open_remote(FIXTURE["tamperedPrefix"])
        with self.assertRaises(ChecksumMismatch) as refused:
            index.load(["color"])
        self.assertEqual(refused.exception.key, FIXTURE["tamperedPrefix"] + "/" + FIXTURE["tamperedShard"])
        want = FIXTURE["indexes"]["shop"]["types"]["structure"]["queries"][0]
        fixture.assert_same_top_k(self, index.search(want["vector"], k=10, type="structure"), want["ranking"], 10,
                                  label="untouched type of the tampered copy")

    def test_a_bad_key_is_refused_as_such_and_the_anon_key_sees_nothing(self):
        with self.assertRaises(StorageAccessDenied):
            open_remote("shop", key="not-a-jwt")
        # A private bucket is invisible to anon: the real server answers NoSuchKey, the emulator NoSuchBucket.
        with self.assertRaises((IndexNotFound, BucketNotFound)):
            open_remote("shop", key=SUPABASE["anonKey"])

    def test_missing_prefix_is_index_not_found(self):
        with self.assertRaises(IndexNotFound):
            open_remote("nothing-here")


class CommandLine(unittest.TestCase):

    def run_cli(self, *args):
        environment = dict(os.environ, SUPABASE_KEY=SUPABASE["key"])
        result = subprocess.run([sys.executable, "-m", "faiss_shard_reader", *args], cwd=fixture.CLIENT,
                                env=environment, capture_output=True, text=True, timeout=300)
        return result

    def test_search_by_id_from_supabase_prints_the_exact_top_k(self):
        result = self.run_cli("search", "--supabase-url", SUPABASE["url"], "--bucket", SUPABASE["bucket"],
                              "--prefix", "shop", "--id", "sku-0042", "-k", "7", "--type", "color", "--type", "combined")
        self.assertEqual(result.returncode, 0, result.stderr)
        answer = json.loads(result.stdout)
        self.assertEqual(answer["index"], "shop")
        for kind in ("color", "combined"):
            query = next(q for q in FIXTURE["indexes"]["shop"]["types"][kind]["queries"] if q["id"] == "sku-0042")
            hits = [SimpleNamespace(**hit) for hit in answer["results"][kind]]
            fixture.assert_same_top_k(self, hits, query["ranking"], 7, exclude=("sku-0042",), label=kind)
        self.assertNotIn(SUPABASE["key"], result.stdout + result.stderr)

    def test_info_of_a_local_partitioned_index_reports_types_and_completeness(self):
        result = self.run_cli("info", "--index", FIXTURE["local"], "--prefix", "half")
        self.assertEqual(result.returncode, 0, result.stderr)
        answer = json.loads(result.stdout)
        self.assertIs(answer["completeness"]["complete"], False)
        self.assertEqual(sorted(answer["types"]), sorted(TYPES))
        self.assertEqual(answer["types"]["color"]["vectors"], FIXTURE["indexes"]["half"]["types"]["color"]["vectors"])

    def test_refusals_are_one_line_errors_with_exit_code_1(self):
        result = self.run_cli("search", "--index", FIXTURE["local"], "--prefix", "half", "--require-complete",
                              "--id", "half-001")
        self.assertEqual(result.returncode, 1)
        self.assertTrue(result.stderr.startswith("error: IncompleteIndex"), result.stderr)


if __name__ == "__main__":
    unittest.main()
