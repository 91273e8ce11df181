"""Object storage: the interface, the S3 implementation and a managed local SeaweedFS."""

from storage.base import (
    ObjectInfo,
    ObjectNotFound,
    ObjectStore,
    S3Settings,
    StorageError,
    object_key_for,
)
from storage.memory import InMemoryObjectStore
from storage.s3 import S3ObjectStore
from storage.seaweed import ManagedSeaweedFS, find_weed

__all__ = [
    "InMemoryObjectStore",
    "ManagedSeaweedFS",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "S3ObjectStore",
    "S3Settings",
    "StorageError",
    "find_weed",
    "object_key_for",
]
