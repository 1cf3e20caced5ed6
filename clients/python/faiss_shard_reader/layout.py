"""How an index is found in storage: ``faiss/manifest.json`` of an unpartitioned build, or
``faiss/partitions.json`` naming each partition's manifest (contract §1), or, for builds older than
partitions.json, the ``part-<i>-of-<N>/`` folders themselves (then completeness is unknown at best).

A format 2 manifest keeps its older sealed shards in immutable ``faiss/manifest/*.json`` shard lists that
it names with their sha256 (``shardLists``); a type's sealed shards are the entries of its lists, in
order, then its ``shards``. Format 1 manifests list every shard inline."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import List, Optional

from .errors import ChecksumMismatch, IndexNotFound, InvalidIndex, ObjectNotFound
from .storage import checked_key, join

MANIFEST = "faiss/manifest.json"
PARTITIONS = "faiss/partitions.json"
FORMAT_VERSION = 1  # of partitions.json
MANIFEST_FORMATS = (1, 2)
SHARD_LIST = re.compile(r"^faiss/manifest/[a-z]+_shards_[0-9]{5,}_[0-9]{5,}_[0-9a-f]{12}\.json$")
LIST_ATTEMPTS = 3
PART_FOLDER = re.compile(r"^part-(0|[1-9][0-9]{0,3})-of-([1-9][0-9]{0,3})$")
ENTRY_FIELDS = {"type": str, "file": str, "vectors": int, "sha256": str, "dimension": int, "metric": str}


@dataclass(frozen=True)
class Entry:
    """One FAISS file the manifest names: a sealed shard or an open segment."""

    type: str
    key: str  # relative to the index prefix, with the partition's folder: what results name as ``shard``
    vectors: int
    sha256: str
    dimension: int
    metric: str
    model_id: Optional[str]
    model_sha256: Optional[str]
    min_id: Optional[int]
    max_id: Optional[int]
    ids_key: Optional[str]
    ids_sha256: Optional[str]
    sealed: bool


@dataclass(frozen=True)
class Partition:
    """One partition (the whole index for an unpartitioned build: index 0 of 1, folder "")."""

    index: int
    folder: str
    present: bool
    complete: Optional[bool]
    published_at: Optional[str] = None
    entries: List[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Completeness:
    """Whether the index holds every catalogue row: True, False, or None when storage cannot tell.

    ``source`` says how the partitions were found: ``manifest`` (unpartitioned), ``partitions.json``,
    or ``listing`` (partition folders without partitions.json). ``reasons`` explain a False or None.
    """

    complete: Optional[bool]
    partition_count: int
    partitions_present: List[int]
    source: str
    reasons: List[str]


class _ListGone(Exception):
    """A shard list the manifest just read names is gone: a newer manifest replaced it."""


def load(storage, prefix):
    """``(partitions, completeness)`` of the index at ``prefix``."""
    for attempt in range(1, LIST_ATTEMPTS + 1):
        try:
            return _load(storage, prefix)
        except _ListGone as gone:
            if attempt == LIST_ATTEMPTS:
                raise InvalidIndex(f"{gone.args[0]} named by the manifest is missing") from None


def _load(storage, prefix):
    prefix = (prefix or "").strip("/")
    if prefix:
        checked_key(prefix)
    listed = _read_json(storage, join(prefix, PARTITIONS))
    if listed is not None:
        return _from_partitions_json(storage, prefix, listed)
    manifest = _read_json(storage, join(prefix, MANIFEST))
    if manifest is not None:
        partition = _partition(storage, prefix, 0, "", manifest)
        reasons = [] if partition.complete else [_incomplete_reason(partition)]
        return [partition], Completeness(partition.complete, 1, [0], "manifest", reasons)
    return _from_listing(storage, prefix)


def _from_partitions_json(storage, prefix, listed):
    if not isinstance(listed, dict) or listed.get("formatVersion") != FORMAT_VERSION:
        raise InvalidIndex(f"{PARTITIONS}: unsupported formatVersion")
    count = listed.get("partitionCount")
    items = listed.get("partitions")
    if not isinstance(count, int) or not isinstance(items, list) or count < 1 or len(items) != count:
        raise InvalidIndex(f"{PARTITIONS}: partitionCount does not match the partitions listed")
    partitions = []
    reasons = []
    for position, item in enumerate(sorted(items, key=lambda i: i.get("index", -1) if isinstance(i, dict) else -1)):
        if not isinstance(item, dict) or item.get("index") != position:
            raise InvalidIndex(f"{PARTITIONS}: partitions must be indexed 0..{count - 1}, each once")
        folder = checked_key(item.get("prefix"))
        manifest_key = checked_key(item.get("manifest"))
        if manifest_key != folder + "/" + MANIFEST:
            raise InvalidIndex(f"{PARTITIONS}: partition {position}'s manifest is not inside its folder")
        manifest = _read_json(storage, join(prefix, manifest_key))
        if manifest is None:
            partitions.append(Partition(position, folder, False, False))
            reasons.append(f"partition {position} has no manifest yet")
            continue
        partition = _partition(storage, prefix, position, folder, manifest)
        partitions.append(partition)
        if not partition.complete:
            reasons.append(_incomplete_reason(partition))
    present = [p.index for p in partitions if p.present]
    return partitions, Completeness(not reasons, count, present, "partitions.json", reasons)


def _from_listing(storage, prefix):
    counts = {}
    for name in storage.folders(prefix):
        match = PART_FOLDER.match(name)
        if match and int(match.group(1)) < int(match.group(2)):
            counts.setdefault(int(match.group(2)), []).append((int(match.group(1)), name))
    if not counts:
        raise IndexNotFound(f"no {MANIFEST}, {PARTITIONS} or part-*-of-* folders at '{prefix}'")
    if len(counts) > 1:
        raise InvalidIndex(f"partition folders of several counts at '{prefix}': {sorted(counts)}")
    count, folders = next(iter(counts.items()))
    found = dict(folders)
    partitions = []
    reasons = [f"no {PARTITIONS}: completeness cannot be proven"]
    missing = False
    for position in range(count):
        manifest = _read_json(storage, join(prefix, join(found[position], MANIFEST))) if position in found else None
        if manifest is None:
            partitions.append(Partition(position, f"part-{position}-of-{count}", False, False))
            reasons.append(f"partition {position} of {count} has no manifest")
            missing = True
            continue
        partition = _partition(storage, prefix, position, found[position], manifest)
        partitions.append(partition)
        if partition.complete is False:
            reasons.append(_incomplete_reason(partition))
            missing = True
    present = [p.index for p in partitions if p.present]
    return partitions, Completeness(False if missing else None, count, present, "listing", reasons)


def _incomplete_reason(partition):
    where = f"partition {partition.index}" if partition.folder else "the index"
    if partition.complete is None:
        return f"{where}: manifest does not say whether it is complete"
    return f"{where}: manifest says the build is not complete"


def _read_json(storage, key):
    try:
        data = storage.read(key)
    except ObjectNotFound:
        return None
    try:
        return json.loads(data)
    except ValueError:
        raise InvalidIndex(f"{key} is not JSON") from None


def _partition(storage, prefix, position, folder, manifest):
    where = join(folder, MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("formatVersion") not in MANIFEST_FORMATS:
        raise InvalidIndex(f"{where}: unsupported formatVersion")
    sealed_by_type = {}
    lists = manifest.get("shardLists", [])
    if not isinstance(lists, list):
        raise InvalidIndex(f"{where}: shardLists is not a list")
    for ref in lists:
        kind, items = _shard_list(storage, prefix, folder, ref)
        sealed_by_type.setdefault(kind, []).extend(_entry(folder, item, True) for item in items)
    entries = []
    for section, sealed in (("shards", True), ("openSegments", False)):
        items = manifest.get(section, [])
        if not isinstance(items, list):
            raise InvalidIndex(f"{where}: {section} is not a list")
        if sealed:
            for item in items:
                entry = _entry(folder, item, True)
                sealed_by_type.setdefault(entry.type, []).append(entry)
            entries += [entry for kind in sealed_by_type.values() for entry in kind]
        else:
            entries += [_entry(folder, item, sealed) for item in items]
    complete = manifest.get("complete")
    return Partition(position, folder, True, complete if isinstance(complete, bool) else None,
                     manifest.get("publishedAt"), entries)


def _shard_list(storage, prefix, folder, ref):
    """``(type, entries)`` of one shard list, its bytes checked against the sha256 the manifest records."""
    if not isinstance(ref, dict) or not isinstance(ref.get("type"), str) or not isinstance(ref.get("sha256"), str) \
            or not isinstance(ref.get("shards"), int) or not SHARD_LIST.match(str(ref.get("file"))):
        raise InvalidIndex(f"{join(folder, MANIFEST)}: a shard list reference is not valid")
    key = join(folder, ref["file"])
    try:
        data = storage.read(join(prefix, key))
    except ObjectNotFound:
        raise _ListGone(key) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != ref["sha256"].lower():
        raise ChecksumMismatch(key, ref["sha256"], actual)
    try:
        items = json.loads(data)
    except ValueError:
        raise InvalidIndex(f"{key} is not JSON") from None
    if not isinstance(items, list) or len(items) != ref["shards"]:
        raise InvalidIndex(f"{key}: not the {ref['shards']} shards the manifest records")
    if any(not isinstance(item, dict) or item.get("type") != ref["type"] for item in items):
        raise InvalidIndex(f"{key}: holds a shard of another type")
    return ref["type"], items


def _entry(folder, item, sealed):
    if not isinstance(item, dict):
        raise InvalidIndex("manifest entry is not an object")
    for name, kind in ENTRY_FIELDS.items():
        if not isinstance(item.get(name), kind) or isinstance(item.get(name), bool):
            raise InvalidIndex(f"manifest entry without a valid '{name}'")
    ids_file = item.get("idsFile")
    return Entry(type=item["type"], key=join(folder, checked_key(item["file"])), vectors=item["vectors"],
                 sha256=item["sha256"].lower(), dimension=item["dimension"], metric=item["metric"],
                 model_id=item.get("modelId"), model_sha256=item.get("modelSha256"),
                 min_id=item.get("minId"), max_id=item.get("maxId"),
                 ids_key=join(folder, checked_key(ids_file)) if ids_file is not None else None,
                 ids_sha256=item.get("idsSha256"), sealed=sealed)
