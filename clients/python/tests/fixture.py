"""The indexes the service built for these tests, and what an exhaustive search over them answers.

``PythonReaderTests`` (Java) builds them with the real service, reads every stored vector back through
the project's own FAISS binding, ranks each query against all of them by brute force and writes
``expected.json``; it passes its path in ``FSB_READER_FIXTURE``. Run the suite through that test:
``mvn -B -ntp test -Dtest=PythonReaderTests``.
"""

import json
import os
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.dirname(HERE)
REPOSITORY = os.path.dirname(os.path.dirname(CLIENT))
if CLIENT not in sys.path:
    sys.path.insert(0, CLIENT)

TOLERANCE = 1e-5


def load():
    path = os.environ.get("FSB_READER_FIXTURE")
    if not path:
        raise RuntimeError("FSB_READER_FIXTURE is not set: run these tests through PythonReaderTests "
                           "(mvn -B -ntp test -Dtest=PythonReaderTests)")
    with open(path) as f:
        return json.load(f)


def copy_index(test, source):
    """A private copy of a built index folder, removed after the test."""
    target = tempfile.mkdtemp(prefix="reader-test-")
    test.addCleanup(shutil.rmtree, target, True)
    destination = os.path.join(target, "index")
    shutil.copytree(source, destination)
    return destination


def assert_same_top_k(test, hits, ranking, k, exclude=(), label=""):
    """``hits`` are the exact top-``k`` of ``ranking`` (``[[id, score], …]`` best first, over every vector):
    same scores rank by rank, each id's own score, no duplicates, and the same ids wherever the ranking
    has no tie within the tolerance (ties may come back in either order)."""
    expected = [(i, s) for i, s in ranking if i not in set(exclude)][:k]
    by_id = dict((i, s) for i, s in ranking)
    test.assertEqual(len(hits), len(expected), f"{label}: result count")
    test.assertEqual(len({h.id for h in hits}), len(hits), f"{label}: duplicate ids")
    for rank, (hit, (want_id, want_score)) in enumerate(zip(hits, expected)):
        test.assertAlmostEqual(hit.score, want_score, delta=TOLERANCE, msg=f"{label}: score at rank {rank}")
        test.assertAlmostEqual(hit.score, by_id[hit.id], delta=TOLERANCE, msg=f"{label}: score of {hit.id}")
        neighbours = [s for _, s in ranking if abs(s - want_score) <= 2 * TOLERANCE]
        if len(neighbours) == 1:
            test.assertEqual(hit.id, want_id, f"{label}: id at rank {rank}")
