"""Where an index lives: a local folder laid out like the bucket, or a Supabase Storage bucket.

Both answer ``read(key)`` and ``folders(prefix)`` for keys relative to the bucket root. Keys come from
manifests, which a reader must not trust blindly: :func:`checked_key` refuses anything that could leave
the bucket (``..``, absolute paths, backslashes, control characters).
"""

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request

from .errors import (BucketNotFound, InvalidIndex, ObjectNotFound, StorageAccessDenied, StorageError,
                     StorageUnavailable)

MAX_KEY_LENGTH = 1024


def checked_key(key):
    """``key`` if it is a plain relative object key, else :class:`InvalidIndex`."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InvalidIndex("object key missing or too long")
    if key.startswith("/") or "\\" in key or any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise InvalidIndex("object key is not a plain relative key")
    if any(part in ("", ".", "..") for part in key.split("/")):
        raise InvalidIndex("object key has an empty, '.' or '..' segment")
    return key


def join(prefix, key):
    return key if not prefix else prefix.rstrip("/") + "/" + key


class LocalFolder:
    """A folder laid out like the bucket (the service's ``fsb.storage.local.root``)."""

    def __init__(self, root):
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise StorageError(f"{root} is not a folder")

    def describe(self):
        return self.root

    def _path(self, key):
        path = os.path.realpath(os.path.join(self.root, *checked_key(key).split("/")))
        if os.path.commonpath([path, self.root]) != self.root:
            raise InvalidIndex("object key leads outside the folder")
        return path

    def read(self, key):
        path = self._path(key)
        try:
            with open(path, "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise ObjectNotFound(f"{key} not found", status=404) from None
        except IsADirectoryError:
            raise ObjectNotFound(f"{key} is a folder", status=404) from None

    def folders(self, prefix):
        path = self.root if not prefix else self._path(prefix)
        try:
            return sorted(name for name in os.listdir(path) if os.path.isdir(os.path.join(path, name)))
        except FileNotFoundError:
            return []


class SupabaseStorage:
    """A Supabase Storage bucket through its REST API (``/storage/v1``), with the project URL and a key.

    Downloads use ``/object/authenticated/<bucket>/<key>``, which rejects a bad key with a real error
    (the plain ``/object/<bucket>/<key>`` route silently falls back to the anon role). Errors are
    translated here, once: Supabase answers HTTP 400 with the real status as a string ``statusCode``.
    """

    OBJECT = "/object/authenticated/{bucket}/{key}"
    LIST = "/object/list/{bucket}"
    PAGE = 1000
    ATTEMPTS = 4

    def __init__(self, url, key, bucket, timeout=60.0):
        if not url or not key or not bucket:
            raise ValueError("Supabase Storage needs the project URL, a key and a bucket")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("the Supabase URL must be http(s)://host[:port]")
        self.base = url.rstrip("/") + "/storage/v1"
        self.bucket = bucket
        self.timeout = timeout
        self._headers = {"Authorization": "Bearer " + key, "apikey": key}

    def describe(self):
        return f"{self.base}/{self.bucket}"

    def read(self, key):
        path = self.OBJECT.format(bucket=urllib.parse.quote(self.bucket, safe=""),
                                  key=urllib.parse.quote(checked_key(key), safe="/"))
        return self._call("GET", path, None, key)

    def folders(self, prefix):
        names = []
        offset = 0
        path = self.LIST.format(bucket=urllib.parse.quote(self.bucket, safe=""))
        while True:
            body = {"prefix": prefix or "", "limit": self.PAGE, "offset": offset,
                    "sortBy": {"column": "name", "order": "asc"}}
            page = json.loads(self._call("POST", path, json.dumps(body).encode(), prefix or "/"))
            if not isinstance(page, list):
                raise StorageError("listing did not answer a JSON array")
            names += [entry["name"] for entry in page if isinstance(entry, dict) and entry.get("id") is None
                      and isinstance(entry.get("name"), str)]
            if len(page) < self.PAGE:
                return names
            offset += len(page)

    def _call(self, method, path, body, what):
        headers = dict(self._headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        delay = 0.2
        for attempt in range(1, self.ATTEMPTS + 1):
            request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as error:
                failure = self._translate(error, what)
                transient = isinstance(failure, StorageUnavailable)
            except (urllib.error.URLError, OSError) as error:
                failure = StorageUnavailable(f"{what}: {type(error).__name__}")
                transient = True
            if not transient or attempt == self.ATTEMPTS:
                raise failure
            time.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    @staticmethod
    def _translate(error, what):
        try:
            payload = json.loads(error.read() or b"{}")
        except ValueError:
            payload = {}
        finally:
            error.close()
        status = str(payload.get("statusCode", error.code)) if isinstance(payload, dict) else str(error.code)
        code = payload.get("code") if isinstance(payload, dict) else None
        # Never quote the server's message: it may echo the request (keys, names).
        message = f"{what}: Supabase Storage answered HTTP {error.code} {status} {code or ''}".rstrip()
        if code == "NoSuchBucket":
            return BucketNotFound(message, status=404, code=code)
        if status == "404":
            return ObjectNotFound(message, status=404, code=code)
        if status in ("401", "403") or code in ("AccessDenied", "InvalidJWT"):
            return StorageAccessDenied(message, status=int(status) if status.isdigit() else None, code=code)
        if error.code >= 500 or error.code == 429 or status in ("429", "500", "502", "503", "504"):
            return StorageUnavailable(message, status=error.code, code=code)
        return StorageError(message, status=int(status) if status.isdigit() else error.code, code=code)
