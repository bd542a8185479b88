"""Object storage on MinIO or any S3 server, through the `minio` SDK (the only importer of it).

SDK and network errors become the two storage errors: a missing key is ObjectNotFound;
everything else (refused credentials, server down, bucket missing) is StorageUnavailable with
a message that says which.
"""

import io
from datetime import timedelta
from typing import BinaryIO

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from .base import (
    DEFAULT_CONTENT_TYPE,
    ObjectNotFound,
    RecordExists,
    SpooledHash,
    StorageUnavailable,
    StoredObject,
    content_disposition,
    download_name,
    key_for,
    sha256_of_key,
)

# The SDK holds about two parts in memory per upload, whatever the object's size: the S3
# minimum part keeps that near 10 MB and still allows objects up to 50 GB (10,000 parts).
PART_SIZE = 5 * 1024 * 1024
PARALLEL = 1
_CREDENTIAL_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
_NOT_FOUND_CODES = {"NoSuchKey", "NoSuchObject", "ResourceNotFound"}


class S3Storage:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str = "",
        connect_timeout: float = 3.0,
        read_timeout: float = 120.0,
        max_link_seconds: int = 900,
    ):
        self.endpoint = endpoint
        self.max_link_seconds = max_link_seconds
        self.bucket = bucket
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
            maxsize=10,
        )
        kwargs = dict(access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        self.client = Minio(endpoint, http_client=http, **kwargs)
        # Presigning is local computation; a separate client lets links name the host that
        # browsers reach (the compose network's name for MinIO is not reachable from outside).
        self.signer = Minio(public_endpoint, **kwargs) if public_endpoint else self.client

    def _unavailable(self, exc: Exception, doing: str) -> StorageUnavailable:
        if isinstance(exc, S3Error):
            if exc.code in _CREDENTIAL_CODES:
                return StorageUnavailable(
                    f"object storage at {self.endpoint} refused the credentials while {doing} "
                    f"({exc.code}): check MINIO_ACCESS_KEY and MINIO_SECRET_KEY"
                )
            if exc.code == "NoSuchBucket":
                return StorageUnavailable(f"object storage at {self.endpoint} has no bucket {self.bucket!r}")
            return StorageUnavailable(f"object storage at {self.endpoint} failed while {doing}: {exc.code}")
        return StorageUnavailable(f"object storage at {self.endpoint} is unreachable while {doing}")

    def _call(self, doing: str, key: str | None, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except S3Error as exc:
            if key is not None and exc.code in _NOT_FOUND_CODES:
                raise ObjectNotFound(f"no stored object with key {key!r}") from None
            raise self._unavailable(exc, doing) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            raise self._unavailable(exc, doing) from exc

    def put(self, stream: BinaryIO, content_type: str = DEFAULT_CONTENT_TYPE) -> StoredObject:
        spooled = SpooledHash(stream)
        try:
            key = key_for(spooled.sha256)
            if self.exists(key):
                return self.stat(key)
            self._call(
                "storing an object",
                None,
                self.client.fput_object,
                self.bucket,
                key,
                spooled.path,
                content_type=content_type,
                metadata={"sha256": spooled.sha256},
                part_size=PART_SIZE,
                num_parallel_uploads=PARALLEL,
            )
            return StoredObject(key=key, sha256=spooled.sha256, size=spooled.size, content_type=content_type)
        finally:
            spooled.discard()

    def open(self, key: str) -> BinaryIO:
        response = self._call("reading an object", key, self.client.get_object, self.bucket, key)
        return _ResponseReader(response)

    def stat(self, key: str) -> StoredObject:
        st = self._call("reading object details", key, self.client.stat_object, self.bucket, key)
        return StoredObject(
            key=key,
            sha256=sha256_of_key(key),
            size=st.size,
            content_type=st.content_type or DEFAULT_CONTENT_TYPE,
        )

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call("deleting an object", key, self.client.remove_object, self.bucket, key)

    def presigned_url(self, key: str, expires: timedelta, *, filename: str = "") -> str:
        stored = self.stat(key)
        expires = min(expires, timedelta(seconds=self.max_link_seconds))
        name = download_name(filename, stored.content_type) if filename else ""
        # S3 answers with the Content-Disposition the signed link asks for
        headers = {"response-content-disposition": content_disposition(name, stored.content_type)} if name else None
        return self._call(
            "signing a link",
            key,
            self.signer.presigned_get_object,
            self.bucket,
            key,
            expires=expires,
            response_headers=headers,
        )

    def put_record(self, key: str, data: bytes) -> None:
        # S3 has no portable create-only write: check first; the chain's anchors are written by
        # one beat task a day, so two writers racing for one key do not happen in practice.
        if self.exists(key):
            raise RecordExists(f"a record {key!r} is already stored")
        self._call(
            "storing a record",
            None,
            self.client.put_object,
            self.bucket,
            key,
            io.BytesIO(data),
            len(data),
            content_type="application/json",
        )

    def list_records(self, prefix: str) -> list[str]:
        folder = prefix.strip("/") + "/"
        found = self._call("listing records", None, self.client.list_objects, self.bucket, prefix=folder)
        return sorted(obj.object_name for obj in self._call("listing records", None, list, found))

    def check(self) -> None:
        if not self._call("checking the bucket", None, self.client.bucket_exists, self.bucket):
            raise StorageUnavailable(f"object storage at {self.endpoint} has no bucket {self.bucket!r}")


class _ResponseReader:
    """A file-like view of an SDK response that streams and releases its connection on close."""

    def __init__(self, response):
        self._response = response

    def read(self, size: int = -1) -> bytes:
        try:
            return self._response.read(None if size is None or size < 0 else size)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageUnavailable("object storage dropped the connection while reading") from exc

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._response.close()
        self._response.release_conn()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        while chunk := self.read(1024 * 1024):
            yield chunk
