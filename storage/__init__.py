"""Object storage behind one small interface: `get_storage()` returns the configured backend.

Rows elsewhere keep a key, sha256, size and content type, never bytes. Only this package
imports the `minio` SDK.
"""

from functools import cache

from .base import ObjectNotFound, RecordExists, Storage, StorageError, StorageUnavailable, StoredObject

__all__ = [
    "ObjectNotFound",
    "RecordExists",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "get_storage",
]


@cache
def get_storage() -> Storage:
    from django.conf import settings

    if settings.STORAGE_BACKEND == "minio":
        from .s3 import S3Storage

        return S3Storage(
            endpoint=settings.MINIO_ENDPOINT,
            access_key=settings.MINIO_ACCESS_KEY,
            secret_key=settings.MINIO_SECRET_KEY,
            bucket=settings.MINIO_BUCKET,
            secure=settings.MINIO_SECURE,
            region=settings.MINIO_REGION,
            public_endpoint=settings.MINIO_PUBLIC_ENDPOINT,
            max_link_seconds=settings.PRESIGNED_URL_SECONDS,
        )
    from .local import LocalStorage

    return LocalStorage(
        settings.LOCAL_STORAGE_DIR,
        base_url=settings.SITE_URL,
        secret=settings.SECRET_KEY,
        max_link_seconds=settings.PRESIGNED_URL_SECONDS,
    )
