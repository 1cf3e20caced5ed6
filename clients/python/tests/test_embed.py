"""Query vectors from ``POST /embed`` (contract §2), against a loopback server that answers as the
contract documents. The vectors it answers are stored vectors of the built index, with the index's own
model ids, so a search with them has a known exact answer.

TODO(lead, after merge): point these at the real service's /embed as well (PythonReaderTests can pass
its port), since the search helper's branch implements it.
"""

import json
import os
import subprocess
import sys
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests import fixture
from faiss_shard_reader import EmbedClient, EmbedError, ModelMismatch, open_index

FIXTURE = fixture.load()
TOKEN = "read-token-0123456789abcdef"
QUERY_ID = "sku-0042"
IMAGE = os.path.join(fixture.REPOSITORY, "samples", "images", "000001-red-circle.jpg")


class ContractEmbedServer:
    """``POST /embed`` as contract §2 describes it: bearer token, ``types``, image body or ``{"url"}``;
    200 with ``{"vectors": {type: {modelId, modelSha256, dimension, metric, vector}}}``, RFC 9457 problems."""

    def __init__(self, vectors):
        self.vectors = vectors
        self.requests = []
        self.answer_override = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                url = urllib.parse.urlsplit(self.path)
                server.requests.append({"path": url.path, "query": urllib.parse.parse_qs(url.query),
                                        "headers": dict(self.headers), "body": body})
                if url.path != "/embed":
                    return self.reply(404, {"type": "about:blank", "title": "Not Found", "status": 404})
                if self.headers.get("Authorization") != "Bearer " + TOKEN:
                    return self.reply(401, {"type": "https://faiss-shard-builder.dev/problems/unauthorized",
                                            "title": "Unauthorized", "status": 401})
                if self.headers.get("Content-Type") == "application/json":
                    if not json.loads(body).get("url", "").startswith("https://"):
                        return self.reply(400, {"type": "about:blank", "title": "Bad Request", "status": 400})
                elif not body.startswith(b"\xff\xd8\xff"):
                    return self.reply(422, {"type": "https://faiss-shard-builder.dev/problems/image-undecodable",
                                            "title": "Image cannot be decoded", "status": 422})
                if server.answer_override is not None:
                    return self.reply(200, server.answer_override)
                types = url.query and urllib.parse.parse_qs(url.query)["types"][0].split(",")
                self.reply(200, {"vectors": {t: server.vectors[t] for t in (types or server.vectors)}})

            def reply(self, status, document):
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if status == 200 else "application/problem+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.http.shutdown()
        self.http.server_close()


class EmbedThenSearch(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.index = open_index(FIXTURE["local"], prefix="shop")
        vectors = {}
        for kind in ("color", "structure", "combined"):
            described = cls.index.describe(kind)
            vectors[kind] = {"modelId": described["modelId"], "modelSha256": described["modelSha256"],
                             "dimension": described["dimension"], "metric": described["metric"],
                             "vector": cls.index.vector_of(QUERY_ID, kind).tolist()}
        cls.server = ContractEmbedServer(vectors)

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        self.server.requests.clear()
        self.server.answer_override = None

    def expected(self, kind):
        return next(q for q in FIXTURE["indexes"]["shop"]["types"][kind]["queries"] if q["id"] == QUERY_ID)

    def test_uploaded_image_is_embedded_and_searched_exactly(self):
        with open(IMAGE, "rb") as f:
            jpeg = f.read()
        vectors = EmbedClient(self.server.url, TOKEN).embed_image(jpeg, ["color", "combined"])
        self.assertEqual(sorted(vectors), ["color", "combined"])
        request = self.server.requests[0]
        self.assertEqual(request["headers"]["Content-Type"], "image/jpeg")
        self.assertEqual(request["query"]["types"], ["color,combined"])
        self.assertEqual(request["body"], jpeg)
        for kind in ("color", "combined"):
            hits = self.index.search(vectors[kind], k=10, type=kind)
            fixture.assert_same_top_k(self, hits, self.expected(kind)["ranking"], 10, label=kind)
            self.assertEqual(hits[0].id, QUERY_ID)

    def test_url_query_is_sent_as_json_for_the_service_to_fetch(self):
        vectors = EmbedClient(self.server.url, TOKEN).embed_url("https://images.example.com/a.jpg", "structure")
        self.assertEqual(json.loads(self.server.requests[0]["body"]), {"url": "https://images.example.com/a.jpg"})
        self.assertEqual(self.server.requests[0]["headers"]["Content-Type"], "application/json")
        self.assertEqual(vectors["structure"].dimension, self.index.describe("structure")["dimension"])

    def test_problems_become_typed_errors_with_the_problem_type(self):
        with self.assertRaises(EmbedError) as undecodable:
            EmbedClient(self.server.url, TOKEN).embed_image(b"GIF89a not an image")
        self.assertEqual(undecodable.exception.status, 422)
        self.assertTrue(undecodable.exception.problem_type.endswith("/image-undecodable"))
        with self.assertRaises(EmbedError) as unauthorized:
            EmbedClient(self.server.url, "wrong-token-0123456789").embed_file(IMAGE)
        self.assertEqual(unauthorized.exception.status, 401)

    def test_an_answer_outside_the_contract_is_refused(self):
        self.server.answer_override = {"vectors": {"color": {"modelId": "m", "modelSha256": "s", "dimension": 3,
                                                             "metric": "INNER_PRODUCT", "vector": [0.1, 0.2]}}}
        with self.assertRaises(EmbedError):
            EmbedClient(self.server.url, TOKEN).embed_file(IMAGE, "color")

    def test_vectors_of_another_model_are_not_searched(self):
        described = self.index.describe("color")
        self.server.answer_override = {"vectors": {"color": {
            "modelId": "someone-elses-model", "modelSha256": described["modelSha256"],
            "dimension": described["dimension"], "metric": "INNER_PRODUCT", "vector": [0.0] * described["dimension"]}}}
        vectors = EmbedClient(self.server.url, TOKEN).embed_file(IMAGE, "color")
        with self.assertRaises(ModelMismatch):
            self.index.search(vectors["color"], k=5, type="color")

    def test_command_line_search_by_image_goes_through_embed(self):
        environment = dict(os.environ, FSB_API_TOKEN=TOKEN)
        result = subprocess.run([sys.executable, "-m", "faiss_shard_reader", "search", "--index", FIXTURE["local"],
                                 "--prefix", "shop", "--image", IMAGE, "--service", self.server.url, "-k", "5",
                                 "--type", "structure"], cwd=fixture.CLIENT, env=environment, capture_output=True,
                                text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        hits = json.loads(result.stdout)["results"]["structure"]
        self.assertEqual([h["id"] for h in hits][0], QUERY_ID)
        self.assertEqual(len(hits), 5)
        self.assertEqual(self.server.requests[0]["headers"]["Authorization"], "Bearer " + TOKEN)


if __name__ == "__main__":
    unittest.main()
