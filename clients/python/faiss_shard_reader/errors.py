"""The reader's failures, as a small typed family: callers catch what they mean."""


class ReaderError(Exception):
    """Base class of everything this package raises on purpose."""


class IndexNotFound(ReaderError):
    """No manifest, no partitions.json and no partition folders at the prefix."""


class InvalidIndex(ReaderError):
    """A manifest or partitions.json that does not follow the format (or names unsafe keys)."""


class IntegrityError(ReaderError):
    """A downloaded object does not match what the manifest says about it."""

    def __init__(self, key, reason):
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class ChecksumMismatch(IntegrityError):
    """The sha256 of a shard, segment or id file differs from the manifest's."""

    def __init__(self, key, expected, actual):
        super().__init__(key, f"sha256 {actual} does not match the manifest's {expected}")
        self.expected = expected
        self.actual = actual


class IdFileMismatch(IntegrityError):
    """An id file that does not describe its (verified) shard: other ids, order or count."""


class IncompatibleShards(ReaderError):
    """Shards of one index type that cannot be searched together (other model, dimension or metric)."""


class ModelMismatch(ReaderError):
    """A query vector made by another model than the one that built the index type."""


class IncompleteIndex(ReaderError):
    """Raised by ``require_complete=True`` when the index is not known to be complete."""


class UnknownType(ReaderError):
    """An index type the index does not hold."""


class VectorNotFound(ReaderError):
    """No stored vector for that catalogue id in that index type."""


class StorageError(ReaderError):
    """Storage answered with an error. ``status`` is the real status (Supabase's ``statusCode``)."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code


class ObjectNotFound(StorageError):
    """The object does not exist (or is invisible to the key)."""


class BucketNotFound(StorageError):
    """The bucket does not exist (or is invisible to the key)."""


class StorageAccessDenied(StorageError):
    """The key is missing, malformed, expired or not allowed."""


class StorageUnavailable(StorageError):
    """Network failure, or the server kept failing (5xx, 429) through every retry."""


class EmbedError(ReaderError):
    """The service's ``/embed`` refused or failed; ``problem_type`` is its RFC 9457 type."""

    def __init__(self, message, status=None, problem_type=None):
        super().__init__(message)
        self.status = status
        self.problem_type = problem_type
