"""Query vectors from the service's ``POST /embed`` (contract §2): exactly the models that built the index."""

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import numpy as np

from .errors import EmbedError

TYPES = ("color", "structure", "combined")
MAX_ANSWER_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class EmbeddedVector:
    """One index type's vector of an image, with the model that made it."""

    type: str
    model_id: str
    model_sha256: str
    dimension: int
    metric: str
    vector: np.ndarray


def content_type_of(data):
    """The image's media type from its first bytes (the service decides for itself; this only labels it)."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


class EmbedClient:
    """Calls ``POST <service>/embed`` with a bearer token (role ``read``)."""

    def __init__(self, service_url, token=None, timeout=60.0):
        parsed = urllib.parse.urlsplit(service_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("the service URL must be http(s)://host[:port]")
        self.endpoint = service_url.rstrip("/") + "/embed"
        self.token = token
        self.timeout = timeout

    def embed_image(self, data, types=TYPES):
        """Vectors of the image bytes, ``{type: EmbeddedVector}``."""
        return self._post(data, content_type_of(data), types)

    def embed_file(self, path, types=TYPES):
        with open(path, "rb") as f:
            return self.embed_image(f.read(), types)

    def embed_url(self, url, types=TYPES):
        """Vectors of an image the service fetches itself (through its egress policy)."""
        return self._post(json.dumps({"url": url}).encode(), "application/json", types)

    def _post(self, body, content_type, types):
        types = [types] if isinstance(types, str) else list(types)
        unknown = [t for t in types if t not in TYPES]
        if not types or unknown:
            raise ValueError(f"types must be among {TYPES}")
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        url = self.endpoint + "?" + urllib.parse.urlencode({"types": ",".join(types)})
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as error:
            raise _problem(error) from None
        except (urllib.error.URLError, OSError) as error:
            raise EmbedError(f"/embed unreachable: {type(error).__name__}") from None
        if len(answer) > MAX_ANSWER_BYTES:
            raise EmbedError("/embed answer too large")
        return _vectors(answer, types)


def _problem(error):
    problem_type = title = None
    try:
        payload = json.loads(error.read(64 * 1024) or b"{}")
        if isinstance(payload, dict):
            problem_type, title = payload.get("type"), payload.get("title")
    except ValueError:
        pass
    finally:
        error.close()
    message = f"/embed answered HTTP {error.code}" + (f" ({title})" if isinstance(title, str) else "")
    return EmbedError(message, status=error.code, problem_type=problem_type if isinstance(problem_type, str) else None)


def _vectors(answer, types):
    try:
        vectors = json.loads(answer)["vectors"]
        result = {}
        for kind in types:
            item = vectors[kind]
            vector = np.asarray(item["vector"], dtype=np.float32)
            dimension = int(item["dimension"])
            if vector.ndim != 1 or len(vector) != dimension or not np.all(np.isfinite(vector)):
                raise ValueError(kind)
            result[kind] = EmbeddedVector(kind, str(item["modelId"]), str(item["modelSha256"]), dimension,
                                          str(item["metric"]), vector)
        return result
    except (ValueError, KeyError, TypeError):
        raise EmbedError("/embed answered a body that does not follow the contract") from None
