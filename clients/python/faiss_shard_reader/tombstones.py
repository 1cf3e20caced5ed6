"""Deleted vectors: the ``tombstones`` of each partition's manifest (``{"type", "file", "id"}``), which a
reader skips as the service's own search does.

A tombstone names the file as well as the id because a re-embedded row keeps its FAISS id: its old
vector is dead in one file while the new one lives in another.

The manifests are read a second time here, apart from :mod:`layout`'s loading. If one was republished
in between, the newer tombstones are still right for the files this reader holds: a tombstone leaves a
manifest only together with its file, so the newer list is the older one plus later deletes.
"""

import json

from .errors import InvalidIndex, ObjectNotFound
from .storage import checked_key, join

MANIFEST = "faiss/manifest.json"


def load(storage, prefix, partitions):
    """``{type: {file key (with the partition's folder): set of dead FAISS ids}}`` of every present
    partition."""
    dead = {}
    for partition in partitions:
        if not partition.present:
            continue
        key = join(prefix, join(partition.folder, MANIFEST))
        try:
            document = json.loads(storage.read(key))
        except ObjectNotFound:
            continue
        except ValueError:
            raise InvalidIndex(f"{key} is not JSON") from None
        items = document.get("tombstones", []) if isinstance(document, dict) else []
        if not isinstance(items, list):
            raise InvalidIndex(f"{key}: tombstones is not a list")
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("type"), str) \
                    or not isinstance(item.get("file"), str) or not isinstance(item.get("id"), int) \
                    or isinstance(item.get("id"), bool):
                raise InvalidIndex(f"{key}: tombstone without a valid type, file and id")
            file_key = join(partition.folder, checked_key(item["file"]))
            dead.setdefault(item["type"], {}).setdefault(file_key, set()).add(item["id"])
    return dead


def is_dead(dead, kind, file_key, fid):
    """Whether the vector of ``fid`` in ``file_key`` of type ``kind`` is deleted."""
    ids = dead.get(kind, {}).get(file_key)
    return ids is not None and fid in ids
