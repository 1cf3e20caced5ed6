"""The catalogue-id rules, read from the service's Java sources (catalog/FaissIds, shard/IdFile)."""

import hashlib
import unittest

from tests import fixture  # noqa: F401 (puts the package on sys.path)
from faiss_shard_reader import faiss_id
from faiss_shard_reader.ids import parse_id_file


class FaissIds(unittest.TestCase):

    def test_plain_non_negative_integers_are_their_own_faiss_ids(self):
        self.assertEqual(faiss_id("0"), 0)
        self.assertEqual(faiss_id("42"), 42)
        self.assertEqual(faiss_id("9223372036854775807"), 9223372036854775807)

    def test_other_ids_are_the_top_63_bits_of_their_sha256(self):
        for text in ("sku-1", "007", "-3", "9223372036854775808", "ünï", ""):
            digest = hashlib.sha256(text.encode("utf-8")).digest()
            self.assertEqual(faiss_id(text), int.from_bytes(digest[:8], "big") & (2 ** 63 - 1), text)
        self.assertNotEqual(faiss_id("007"), 7)


class IdFiles(unittest.TestCase):

    def test_lines_map_faiss_ids_to_unescaped_catalogue_ids(self):
        data = b"5\tplain\n6\ttab\\there\n7\tnew\\nline\\\\slash\n\n8\tcr\\r\r\n"
        self.assertEqual(parse_id_file(data), [(5, "plain"), (6, "tab\there"), (7, "new\nline\\slash"), (8, "cr\r")])

    def test_a_line_without_a_tab_is_refused(self):
        with self.assertRaises(ValueError):
            parse_id_file(b"5 plain\n")


if __name__ == "__main__":
    unittest.main()
