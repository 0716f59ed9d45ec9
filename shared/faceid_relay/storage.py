"""The only code that talks to COS: presigned URLs, streaming reads, and create-once records.

COS has no compare-and-swap, so every state change is a new object written with
`x-cos-forbid-overwrite: true`: the first writer wins and everyone else reads the winner's answer."""

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosClientError, CosServiceError

from faceid_relay.errors import ProviderMediaUnavailable, StorageUnavailable
from faceid_relay.settings import Settings

# What any bucket access can answer a caller.
STORAGE_ERRORS = (StorageUnavailable,)

T = TypeVar("T")

HASH_CHUNK_BYTES = 4 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 8
# How long a caller without an invocation context (scripts, tests) may spend on one streamed object.
DEFAULT_REMAINING_SECONDS = 30.0
FORBID_OVERWRITE = {"x-cos-forbid-overwrite": "true"}
# Every object the relay writes, and every upload it presigns, asks COS to encrypt it at rest (SSE-COS).
SERVER_SIDE_ENCRYPTION = "AES256"
ENCRYPTION_HEADERS = {"x-cos-server-side-encryption": SERVER_SIDE_ENCRYPTION}
# Signed into every upload URL: the uploader cannot make the object public-read (free public hosting from
# our bucket's domain) by adding its own x-cos-acl; a changed or missing value breaks the signature.
PRIVATE_ACL = {"x-cos-acl": "private"}


class OutOfTimeError(Exception):
    """Streaming an object did not finish before the deadline the caller gave."""


@dataclass(frozen=True)
class ObjectHead:
    etag: str
    size: int


@dataclass(frozen=True)
class StoredObject:
    """One version of an object, read whole; its ETag names the version (and so its upload record)."""

    etag: str
    data: bytes

    @property
    def head(self) -> ObjectHead:
        return ObjectHead(etag=self.etag, size=len(self.data))


@dataclass(frozen=True)
class ObjectDigest:
    """What streaming an object once tells us."""

    etag: str
    size: int
    md5: str
    head: bytes
    content_type: str


class Storage:
    """The deployment's bucket. Network calls go to `RELAY_COS_ENDPOINT` when set (the local cloud);
    URLs handed to FaceID always keep the production host, URLs handed to clients may be rebased."""

    def __init__(self, settings: Settings, remaining: Callable[[], float] | None = None) -> None:
        self.bucket = settings.bucket
        self.remaining_seconds: Callable[[], float] = remaining or (lambda: DEFAULT_REMAINING_SECONDS)
        self._token = settings.session_token.get_secret_value() if settings.session_token else None
        credentials: dict[str, Any] = {
            "Region": settings.region,
            "SecretId": settings.secret_id,
            "SecretKey": settings.secret_key.get_secret_value(),
            "Token": self._token,
        }
        self._signer = CosS3Client(CosConfig(Scheme="https", **credentials))
        self._api = self._signer
        self._endpoint = settings.cos_endpoint.rstrip("/") if settings.cos_endpoint else None
        if settings.cos_endpoint:
            endpoint = urlsplit(settings.cos_endpoint)
            self._api = CosS3Client(
                CosConfig(Scheme=endpoint.scheme, IP=endpoint.hostname, Port=endpoint.port, **credentials),
                retry=1,
            )
        self._client_signer = self._signer
        if settings.cos_public_base_url:
            public = urlsplit(settings.cos_public_base_url)
            self._client_signer = CosS3Client(
                CosConfig(Scheme=public.scheme, Domain=f"{public.netloc}/{self.bucket}", **credentials)
            )

    def _token_params(self) -> dict[str, str]:
        # The SDK does not put the session token into presigned URLs (reference §3.3): add it ourselves.
        return {"x-cos-security-token": self._token} if self._token else {}

    def presign_upload(self, key: str, headers: dict[str, str], ttl: int) -> str:
        """A PUT URL for a client; every header given is signed, so the client must send exactly these."""
        return self._presign_for_client(key, "PUT", ttl, headers=headers)

    def presign_download_for_provider(self, key: str, ttl: int) -> str:
        """A GET URL in the production COS form FaceID requires (same-region bucket host)."""
        return str(
            self._signer.get_presigned_url(
                Bucket=self.bucket, Key=key, Method="GET", Expired=ttl, Params=self._token_params()
            )
        )

    def presign_download_for_client(self, key: str, ttl: int, *, content_type: str, filename: str) -> str:
        """A GET URL for a client that answers with exactly these headers: COS honours `response-*`
        parameters anyone may append to a URL (COS GET Object), so ours are signed into it and an added
        `response-content-type=text/html` cannot turn a stored file into a page of our bucket's origin."""
        pinned = {
            "response-content-type": content_type,
            "response-content-disposition": f'attachment; filename="{filename}"',
            "response-cache-control": "no-store",
        }
        return self._presign_for_client(key, "GET", ttl, params=pinned)

    def _presign_for_client(
        self,
        key: str,
        method: str,
        ttl: int,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> str:
        return str(
            self._client_signer.get_presigned_url(
                Bucket=self.bucket,
                Key=key,
                Method=method,
                Expired=ttl,
                Headers=headers or {},
                Params={**(params or {}), **self._token_params()},
            )
        )

    def digest(self, key: str, sniff_bytes: int = 64, deadline: float | None = None) -> ObjectDigest | None:
        """Stream the object once in large chunks (constant memory): MD5, size and its first bytes.
        None when the object is gone; OutOfTimeError when `deadline` (time.monotonic()) passes first."""

        def stream() -> ObjectDigest:
            response = self._api.get_object(Bucket=self.bucket, Key=key)
            md5 = hashlib.md5(usedforsecurity=False)
            size = 0
            head = b""
            for chunk in _chunks(response["Body"].get_raw_stream()):
                if deadline is not None and time.monotonic() > deadline:
                    response["Body"].get_raw_stream().close()
                    raise OutOfTimeError(key)
                if len(head) < sniff_bytes:
                    head += chunk[: sniff_bytes - len(head)]
                md5.update(chunk)
                size += len(chunk)
            return ObjectDigest(
                etag=str(response.get("ETag", "")).strip('"'),
                size=size,
                md5=md5.hexdigest(),
                head=head,
                content_type=str(response.get("Content-Type", "")),
            )

        return _cos(stream, absent=HTTPStatus.NOT_FOUND)

    def head(self, key: str) -> ObjectHead | None:
        """The object's current ETag and size, or None when it does not exist."""
        head = _cos(lambda: self._api.head_object(Bucket=self.bucket, Key=key), absent=HTTPStatus.NOT_FOUND)
        if head is None:
            return None
        return ObjectHead(etag=str(head.get("ETag", "")).strip('"'), size=int(head.get("Content-Length", 0)))

    def fetch_url(self, url: str, max_bytes: int) -> bytes:
        """Download a COS URL handed to us by FaceID (its own bucket). In the local cloud the request goes
        to RELAY_COS_ENDPOINT with the URL's host in the Host header, as DNS would route it in production."""
        parts = urlsplit(url)
        target = url
        headers = {}
        if self._endpoint is not None:
            target = f"{self._endpoint}{parts.path}" + (f"?{parts.query}" if parts.query else "")
            headers["Host"] = parts.netloc
        try:
            # Never follow a redirect: the URL was checked to be a COS object in our region, the place it
            # sends us to was not (a bucket or a hostile server could point at internal addresses).
            with requests.get(
                target, headers=headers, stream=True, timeout=FETCH_TIMEOUT_SECONDS, allow_redirects=False
            ) as answer:
                if answer.status_code != 200:
                    raise ProviderMediaUnavailable()
                data = bytearray()
                for chunk in answer.iter_content(HASH_CHUNK_BYTES):
                    data += chunk
                    if len(data) > max_bytes:
                        raise ProviderMediaUnavailable("FaceID's media is larger than expected. Retry later.")
                return bytes(data)
        except requests.RequestException as error:
            raise ProviderMediaUnavailable() from error

    def read_object(self, key: str) -> StoredObject | None:
        """The object's bytes and the ETag of that version, in one GET; None when it does not exist."""

        def read() -> StoredObject:
            response = self._api.get_object(Bucket=self.bucket, Key=key)
            data = b"".join(_chunks(response["Body"].get_raw_stream()))
            return StoredObject(etag=str(response.get("ETag", "")).strip('"'), data=data)

        return _cos(read, absent=HTTPStatus.NOT_FOUND)

    def read_bytes(self, key: str) -> bytes | None:
        stored = self.read_object(key)
        return None if stored is None else stored.data

    def read_json(self, key: str) -> dict[str, Any] | None:
        data = self.read_bytes(key)
        if data is None:
            return None
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    def create(self, key: str, data: bytes, content_type: str) -> bool:
        """Write once: False when the key already exists (someone else won)."""
        written = _cos(
            lambda: self._api.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ContentMD5=_content_md5(data),
                ServerSideEncryption=SERVER_SIDE_ENCRYPTION,
                # put_object takes only mapped kwargs; Metadata entries go out as raw headers
                Metadata=FORBID_OVERWRITE,
            ),
            absent=HTTPStatus.CONFLICT,
        )
        return written is not None

    def create_json(self, key: str, payload: dict[str, Any]) -> bool:
        return self.create(key, json.dumps(payload, separators=(",", ":")).encode(), "application/json")

    def delete(self, key: str) -> None:
        """Remove the object; one already gone is not an error, so a deletion can be redone."""
        _cos(lambda: self._api.delete_object(Bucket=self.bucket, Key=key), absent=HTTPStatus.NOT_FOUND)

    def list_keys(self, prefix: str, *, after: str = "", limit: int = 1000) -> list[str]:
        """Up to `limit` (at most 1000, one COS call) keys under `prefix`, in key order, after `after`."""
        listing = _cos(
            lambda: self._api.list_objects(
                Bucket=self.bucket, Prefix=prefix, Marker=after, MaxKeys=min(limit, 1000)
            )
        )
        return [str(item["Key"]) for item in (listing or {}).get("Contents", [])]


def _cos(operation: Callable[[], T], *, absent: int | None = None) -> T | None:
    """Run one COS operation. None when COS answers `absent` (404: no such object; 409: it already
    exists); any other failure, including a stream that breaks off, is StorageUnavailable (retryable)."""
    try:
        return operation()
    except CosServiceError as error:
        if absent is not None and error.get_status_code() == absent:
            return None
        raise StorageUnavailable() from error
    except (CosClientError, urllib3.exceptions.HTTPError, requests.RequestException) as error:
        raise StorageUnavailable() from error


def _content_md5(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")


def _chunks(raw: Any) -> Iterator[bytes]:
    while chunk := raw.read(HASH_CHUNK_BYTES):
        yield chunk
