"""Stores: where snapshots live. A local folder (the default, `./data`) or S3-compatible storage.

A store is named by a URI: a path or `file://…`, or `s3://bucket/prefix`. S3 goes through boto3
with the standard AWS configuration (environment, profiles, `AWS_ENDPOINT_URL` for MinIO, Ceph
and other S3-compatible services). Keys are always relative POSIX paths under the store's root.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from crawler.errors import UserError

DEFAULT_STORE = "data"
CHUNK = 1 << 20
S3_CONFIGURATION = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE for a profile of "
                    "~/.aws/credentials, and AWS_ENDPOINT_URL for a service other than AWS (MinIO, Ceph, OSS …)")
REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken", "InvalidToken", "403"}


class StoreError(UserError):
    """A store that cannot be used as configured: unreachable, no credentials, refused, no bucket.
    Only an unreachable store is worth waiting for (`retryable`): configuration does not fix itself."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


def store_uri(uri: str | None) -> str:
    return uri or os.environ.get("NIANBAO_STORE") or DEFAULT_STORE


def safe_key(key: str) -> str:
    """Keys come from snapshot ids and file names: never let one climb out of its folder."""
    parts = [p for p in key.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ValueError(f"unsafe store key {key!r}")
    return "/".join(parts)


class LocalStore:
    remote = False

    def __init__(self, root: Path):
        self.root = root.expanduser().resolve()

    def __str__(self) -> str:
        return str(self.root)

    def path(self, key: str) -> Path:
        return self.root / safe_key(key)

    def put_file(self, source: Path, key: str) -> None:
        target = self.path(key)
        if target.resolve() == Path(source).resolve():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def keys(self, prefix: str) -> Iterator[str]:
        base = self.path(prefix)
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.is_file():
                    yield p.relative_to(self.root).as_posix()

    def open(self, key: str, offset: int = 0) -> BinaryIO:
        stream = open(self.path(key), "rb")
        stream.seek(offset)
        return stream

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


@dataclass
class S3Store:
    bucket: str
    prefix: str
    remote = True

    def __post_init__(self):
        import boto3
        from botocore.config import Config

        # path-style works with every S3-compatible server; retries are ours (see upload_with_retry)
        self.client = boto3.client("s3", config=Config(s3={"addressing_style": "path"},
                                                         retries={"max_attempts": 2, "mode": "standard"},
                                                         connect_timeout=5, read_timeout=30))

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def key(self, key: str) -> str:
        return "/".join(p for p in (self.prefix.strip("/"), safe_key(key)) if p)

    def put_file(self, source: Path, key: str) -> None:
        from boto3.s3.transfer import TransferConfig

        # upload_file streams the file, in parts above the threshold, each part checksummed
        with self.reachable():
            self.client.upload_file(str(source), self.bucket, self.key(key),
                                    ExtraArgs={"ChecksumAlgorithm": "SHA256"},
                                    Config=TransferConfig(multipart_threshold=64 * CHUNK, multipart_chunksize=16 * CHUNK))

    def keys(self, prefix: str) -> Iterator[str]:
        root = self.key("")
        paginator = self.client.get_paginator("list_objects_v2")
        with self.reachable():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.key(prefix)):
                for obj in page.get("Contents", []):
                    yield obj["Key"][len(root) + 1 if root else 0:]

    def open(self, key: str, offset: int = 0) -> BinaryIO:
        """The object's bytes from `offset` on (a ranged GET: one record of a large WARC)."""
        extra = {"Range": f"bytes={offset}-"} if offset else {}
        with self.reachable():
            return self.client.get_object(Bucket=self.bucket, Key=self.key(key), **extra)["Body"]

    def size(self, key: str) -> int:
        with self.reachable():
            return self.client.head_object(Bucket=self.bucket, Key=self.key(key))["ContentLength"]

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        with self.reachable():
            try:
                self.client.head_object(Bucket=self.bucket, Key=self.key(key))
                return True
            except ClientError:  # a HEAD's 403 may only mean "missing" to a client that cannot list
                return False

    def check_credentials(self) -> None:
        """Before a crawl bound for this store: credentials found (no request is made)."""
        import boto3

        if boto3.Session().get_credentials() is None:
            raise StoreError(f"{self}: no S3 credentials found: {S3_CONFIGURATION}")

    @contextmanager
    def reachable(self):
        """The errors of a store the configuration does not let us use, as one StoreError that
        says what to configure; other errors (a missing key, a 5xx) pass unchanged."""
        try:
            yield
        except Exception as error:
            # boto3's upload_file wraps the client's error in S3UploadFailedError: look at the cause too
            for cause in (error, error.__cause__ or error.__context__):
                translated = self.store_error(cause) if cause is not None else None
                if translated:
                    raise translated from error
            raise

    def store_error(self, error: BaseException) -> StoreError | None:
        from botocore.exceptions import (ClientError, ConnectionError, NoCredentialsError,
                                         PartialCredentialsError)

        endpoint = self.client.meta.endpoint_url
        if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
            return StoreError(f"{self}: no usable S3 credentials ({error}): {S3_CONFIGURATION}")
        if isinstance(error, ConnectionError):  # refused, DNS, timeouts, TLS: botocore's connection errors
            return StoreError(f"{self}: cannot reach {endpoint} ({type(error).__name__}): "
                              "is the service up, and AWS_ENDPOINT_URL right?", retryable=True)
        if isinstance(error, ClientError):
            code = error.response.get("Error", {}).get("Code", "")
            if code in REFUSED:
                return StoreError(f"{self}: {endpoint} refused the credentials ({code}): {S3_CONFIGURATION}")
            if code == "NoSuchBucket":
                return StoreError(f"{self}: no bucket {self.bucket!r} at {endpoint}")
        return None


def open_store(uri: str | None) -> LocalStore | S3Store:
    uri = store_uri(uri)
    if uri.startswith("s3://"):
        bucket, _, prefix = uri[5:].partition("/")
        if not bucket:
            raise StoreError(f"store {uri!r} names no bucket: use s3://bucket/prefix")
        return S3Store(bucket, prefix.strip("/"))
    if uri.startswith("file://"):
        uri = uri[len("file://"):]
    if "://" in uri:
        raise StoreError(f"unsupported store {uri!r}: use a path, file://… or s3://bucket/prefix")
    return LocalStore(Path(uri))


def sha256_stream(stream: BinaryIO) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def upload_with_retry(store, source: Path, key: str, *, deadline: float, log) -> int:
    """Upload one file, retrying with exponential backoff until `deadline` (monotonic time).
    Returns the number of failed attempts; raises the last error when the deadline passes."""
    failures, delay = 0, 0.5
    while True:
        try:
            store.put_file(source, key)
            return failures
        except Exception as exc:  # any store error: endpoint down, 5xx, throttling
            if isinstance(exc, StoreError) and not exc.retryable:
                raise
            failures += 1
            if time.monotonic() + delay > deadline:
                raise
            log(f"store unavailable ({type(exc).__name__}: {str(exc)[:120]}); retrying {key} in {delay:.1f} s")
            time.sleep(delay)
            delay = min(delay * 2, 30)
