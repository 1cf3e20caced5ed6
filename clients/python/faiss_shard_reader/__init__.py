"""Read and search the sharded FAISS indexes that faiss-shard-builder writes, from a local folder or a
Supabase Storage bucket: every sealed shard, open segment and partition, with an exact merged top-k,
checksums verified, FAISS ids mapped back to catalogue ids."""

from .embed import EmbedClient, EmbeddedVector
from .errors import (BucketNotFound, ChecksumMismatch, EmbedError, IdFileMismatch, IncompatibleShards,
                     IncompleteIndex, IndexNotFound, IntegrityError, InvalidIndex, ModelMismatch, ObjectNotFound,
                     ReaderError, StorageAccessDenied, StorageError, StorageUnavailable, UnknownType,
                     VectorNotFound)
from .ids import faiss_id
from .index import Hit, ShardIndex, open_index
from .layout import Completeness

__all__ = ["open_index", "ShardIndex", "Hit", "Completeness", "EmbedClient", "EmbeddedVector", "faiss_id",
           "ReaderError", "IndexNotFound", "InvalidIndex", "IntegrityError", "ChecksumMismatch", "IdFileMismatch",
           "IncompatibleShards", "ModelMismatch", "IncompleteIndex", "UnknownType", "VectorNotFound",
           "StorageError", "ObjectNotFound", "BucketNotFound", "StorageAccessDenied", "StorageUnavailable",
           "EmbedError"]
