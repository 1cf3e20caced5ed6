"""Open an index through its manifest(s) and search every shard, segment and partition exactly."""

import hashlib
import heapq
from dataclasses import dataclass
from typing import List, Optional

import faiss
import numpy as np

from . import layout, tombstones
from .errors import (ChecksumMismatch, IdFileMismatch, IncompatibleShards, IncompleteIndex, IntegrityError,
                     ModelMismatch, UnknownType, VectorNotFound)
from .ids import faiss_id, parse_id_file
from .storage import LocalFolder, SupabaseStorage

HIGHER_IS_BETTER = {"INNER_PRODUCT": True, "L2": False}
FAISS_METRICS = {"INNER_PRODUCT": faiss.METRIC_INNER_PRODUCT, "L2": faiss.METRIC_L2}


@dataclass(frozen=True)
class Hit:
    """One result: the catalogue id, its score (inner product, or squared L2 distance) and the shard key
    (relative to the index prefix, with the partition's folder) it came from."""

    id: str
    score: float
    shard: str


class _Shard:
    """One verified FAISS file with the catalogue ids of its rows, in index order."""

    def __init__(self, entry, owner, index, faiss_ids, catalog_ids):
        self.entry = entry
        self.owner = owner
        self.index = index
        self.faiss_ids = faiss_ids
        self.catalog_ids = catalog_ids
        self.by_faiss_id = dict(zip(faiss_ids.tolist(), catalog_ids))


def open_index(path=None, *, supabase_url=None, key=None, bucket=None, prefix="", require_complete=False,
               timeout=60.0):
    """Open the index at a local folder (``path``, laid out like the bucket) or in a Supabase Storage
    bucket (``supabase_url``, ``key``, ``bucket``), under ``prefix``. Reads only the manifests; shards are
    downloaded and verified on the first search of their type (or :meth:`ShardIndex.load`)."""
    if (path is None) == (supabase_url is None):
        raise ValueError("give either a local folder or a Supabase project URL")
    storage = LocalFolder(path) if path is not None else SupabaseStorage(supabase_url, key, bucket, timeout)
    index = ShardIndex(storage, prefix)
    if require_complete and index.completeness.complete is not True:
        raise IncompleteIndex("; ".join(index.completeness.reasons) or "the index is not complete")
    return index


class ShardIndex:
    """Every sealed shard and open segment of every partition of one index, per index type.

    Not thread-safe while loading; searches of loaded types may run concurrently (FAISS releases the GIL).
    """

    def __init__(self, storage, prefix=""):
        self.storage = storage
        self.prefix = (prefix or "").strip("/")
        self.partitions, self.completeness = layout.load(storage, self.prefix)
        self._entries = {}
        for partition in self.partitions:
            for entry in partition.entries:
                self._entries.setdefault(entry.type, []).append(entry)
        for kind, entries in self._entries.items():
            _check_compatible(kind, entries)
        self._shards = {}
        self._dead = tombstones.load(storage, self.prefix, self.partitions)

    @property
    def types(self):
        return sorted(self._entries)

    def describe(self, kind):
        """``{"vectors", "shards", "segments", "dimension", "metric", "modelId", "modelSha256"}`` of a type."""
        entries = self._entries_of(kind)
        first = entries[0]
        return {"vectors": sum(e.vectors for e in entries), "shards": sum(e.sealed for e in entries),
                "segments": sum(not e.sealed for e in entries), "dimension": first.dimension,
                "metric": first.metric, "modelId": first.model_id, "modelSha256": first.model_sha256}

    def load(self, types=None):
        """Download and verify every shard of these types (default: all) now."""
        for kind in types or self.types:
            self._loaded(kind)
        return self

    def search(self, query, k=10, type="combined", exclude=()):
        """The exact top-``k`` of ``query`` over every shard and segment of every partition of ``type``.

        ``query`` is a vector (sequence or array of the type's dimension) or an
        :class:`~faiss_shard_reader.embed.EmbeddedVector`, whose model must be the one that built the type.
        Catalogue ids in ``exclude`` are left out of the results.
        """
        if k < 1:
            raise ValueError("k must be at least 1")
        entries = self._entries_of(type)
        model_id = getattr(query, "model_id", None)
        if model_id is not None:
            expected = (entries[0].model_id, entries[0].model_sha256)
            if (model_id, query.model_sha256) != expected:
                raise ModelMismatch(f"query made by {model_id}, index type {type} by {expected[0]}")
            query = query.vector
        vector = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        if vector.shape[1] != entries[0].dimension:
            raise ValueError(f"query has {vector.shape[1]} dimensions, index type {type} has {entries[0].dimension}")
        exclude = set(exclude)
        higher = HIGHER_IS_BETTER[entries[0].metric]
        want = k + len(exclude)
        candidates = []
        for shard in self._loaded(type):
            # Deleted vectors come back from FAISS too: ask for as many more as the shard holds.
            n = min(want + len(self._dead.get(type, {}).get(shard.entry.key, ())), shard.index.ntotal)
            if n == 0:
                continue
            scores, ids = shard.index.search(vector, n)
            for score, fid in zip(scores[0].tolist(), ids[0].tolist()):
                if fid >= 0 and not tombstones.is_dead(self._dead, type, shard.entry.key, fid):
                    candidates.append((score, shard.by_faiss_id[fid], shard.entry.key))
        # An id is in one shard only, but if a crash window ever left it in two, keep its best score.
        best = {}
        for score, catalog_id, key in candidates:
            if catalog_id in exclude:
                continue
            held = best.get(catalog_id)
            if held is None or (score > held[0] if higher else score < held[0]):
                best[catalog_id] = (score, key)
        order = (lambda item: (-item[1][0], item[0])) if higher else (lambda item: (item[1][0], item[0]))
        return [Hit(catalog_id, score, key)
                for catalog_id, (score, key) in heapq.nsmallest(k, best.items(), key=order)]

    def vector_of(self, catalog_id, type="combined"):
        """The stored vector of ``catalog_id`` in ``type``, reconstructed from the shard that holds it."""
        wanted = faiss_id(catalog_id)
        for shard in self._loaded(type):
            positions = np.nonzero(shard.faiss_ids == wanted)[0]
            if len(positions) and shard.catalog_ids[positions[0]] == catalog_id \
                    and not tombstones.is_dead(self._dead, type, shard.entry.key, wanted):
                inner = faiss.downcast_index(shard.index.index) if hasattr(shard.index, "id_map") else shard.index
                return inner.reconstruct(int(positions[0]))
        raise VectorNotFound(f"{type} holds no vector for that id")

    def search_by_id(self, catalog_id, k=10, type="combined", exclude_self=True):
        """The nearest neighbours of a catalogue entry's stored vector (without itself by default)."""
        return self.search(self.vector_of(catalog_id, type), k, type,
                           exclude=(catalog_id,) if exclude_self else ())

    def _entries_of(self, kind):
        entries = self._entries.get(kind)
        if not entries:
            raise UnknownType(f"the index has no '{kind}' vectors; it has {self.types}")
        return entries

    def _loaded(self, kind):
        if kind not in self._shards:
            self._shards[kind] = [self._open(entry) for entry in self._entries_of(kind)]
        return self._shards[kind]

    def _open(self, entry):
        data = _verified(self.storage, self._absolute(entry.key), entry.sha256)
        try:
            owner = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
            # The downcast view does not own the C++ object: ``owner`` must outlive it (kept by _Shard).
            index = faiss.downcast_index(owner)
        except RuntimeError:
            raise IntegrityError(entry.key, "FAISS cannot read it") from None
        if index.ntotal != entry.vectors or index.d != entry.dimension \
                or index.metric_type != FAISS_METRICS.get(entry.metric):
            raise IntegrityError(entry.key, "vector count, dimension or metric differs from the manifest")
        if hasattr(index, "id_map"):
            stored = faiss.vector_to_array(index.id_map).astype(np.int64)
        else:
            stored = np.arange(index.ntotal, dtype=np.int64)
        if entry.ids_key is None:
            catalog_ids = [str(fid) for fid in stored.tolist()]  # integer ids are their own catalogue ids
        else:
            catalog_ids = self._catalog_ids(entry, stored)
        if len(stored) and entry.min_id is not None and entry.max_id is not None \
                and (int(stored.min()) != entry.min_id or int(stored.max()) != entry.max_id):
            raise IntegrityError(entry.key, "ids outside the manifest's minId..maxId")
        return _Shard(entry, owner, index, stored, catalog_ids)

    def _catalog_ids(self, entry, stored):
        """Catalogue ids of the id file, verified: by its sha256 when the manifest records one, and always
        line by line against the (checksum-verified) shard's ids and the catalogue-id → FAISS-id rule."""
        key = self._absolute(entry.ids_key)
        data = _verified(self.storage, key, entry.ids_sha256) if entry.ids_sha256 else self.storage.read(key)
        try:
            rows = parse_id_file(data)
        except (ValueError, UnicodeDecodeError):
            raise IdFileMismatch(entry.ids_key, "not an id file") from None
        if len(rows) != len(stored):
            raise IdFileMismatch(entry.ids_key, f"{len(rows)} lines for {len(stored)} vectors")
        for row, (fid, catalog_id) in enumerate(rows):
            if fid != stored[row] or faiss_id(catalog_id) != fid:
                raise IdFileMismatch(entry.ids_key, f"line {row + 1} does not match the shard's id")
        return [catalog_id for _, catalog_id in rows]

    def _absolute(self, key):
        return key if not self.prefix else self.prefix + "/" + key


def _verified(storage, key, expected):
    data = storage.read(key)
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected.lower():
        raise ChecksumMismatch(key, expected, actual)
    return data


def _check_compatible(kind, entries):
    first = entries[0]
    for entry in entries:
        if (entry.dimension, entry.metric, entry.model_id, entry.model_sha256) != \
                (first.dimension, first.metric, first.model_id, first.model_sha256):
            raise IncompatibleShards(f"{kind}: {entry.key} and {first.key} differ in model, dimension or metric")
        if entry.metric not in HIGHER_IS_BETTER:
            raise IncompatibleShards(f"{kind}: unsupported metric {entry.metric}")
