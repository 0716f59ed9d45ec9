"""Resources FaceID takes as COS URLs: the URL rule, the MD5 rule, the download, the content checks,
and the emulator's own bucket (writes and presigned URLs), all reached through the COS emulator.

Source: "Passing Resources" (https://www.tencentcloud.com/document/product/1061/46849, reference §3.6):
a COS URL of the API's region, directly GET-able, with the 32-hex MD5 of its content."""

import hashlib
import re
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosClientError, CosServiceError

from localcloud.clock import Clock
from localcloud.faceid.config import FaceIdEmulatorConfig
from localcloud.faceid.errors import (
    DownLoadError,
    DownLoadTimeoutError,
    ImageDecodeFailedError,
    InternalError,
    InvalidParameterValueError,
    Md5MismatchError,
)

# "https://<BucketName-APPID>.cos.<Region>.myqcloud.com/<key>" (COS virtual-host form, reference §6).
_COS_HOST = re.compile(
    r"^(?P<bucket>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+)\.cos\.(?P<region>[a-z0-9-]+)\.myqcloud\.com$"
)
_MD5_HEX = re.compile(r"^[0-9a-fA-F]{32}$")
_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/_-]+={0,2}$")
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DOWNLOAD_CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class CosObjectUrl:
    """A resource URL that passed the rule: where it points, kept exactly as given for the download."""

    host: str
    bucket: str
    path: str
    query: str


def parse_resource_url(url: str, region: str, field: str) -> CosObjectUrl:
    """The URL rule, parsed (never by substring): https, no user info, default port, and a host that is
    a COS bucket of the request's region."""
    invalid = InvalidParameterValueError(
        f"invalid resourceUrl: {field} must be https://<bucket>-<appid>.cos.{region}.myqcloud.com/<key>"
    )
    # A backslash or whitespace parses differently in browsers (WHATWG) and urllib: refuse the ambiguity.
    if any(char.isspace() or char == "\\" for char in url):
        raise invalid
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise invalid from error
    host = parts.hostname or ""
    match = _COS_HOST.match(host)
    if (
        parts.scheme != "https"
        or parts.username is not None
        or port not in (None, 443)
        or match is None
        or match["region"] != region
    ):
        raise invalid
    return CosObjectUrl(host=host, bucket=match["bucket"], path=parts.path or "/", query=parts.query)


def check_md5(value: str, field: str) -> str:
    """FaceID *Md5 fields are 32 hex characters (not COS's base64 Content-MD5, reference §0.6)."""
    if not _MD5_HEX.match(value):
        raise InvalidParameterValueError(f"{field} must be the 32-character hex MD5 of the resource.")
    return value.lower()


def check_content_md5(data: bytes, md5: str, field: str) -> None:
    if hashlib.md5(data, usedforsecurity=False).hexdigest() != md5:
        raise Md5MismatchError(f"MD5 Error: {field} does not match the content downloaded from its URL.")


def looks_like_base64_text(data: bytes) -> bool:
    """Base64 (or a base64 data URI) where the bytes themselves were expected: the usual upload mistake."""
    compact = b"".join(data.split())
    if compact.startswith(b"data:") and b";base64," in compact[:100]:
        return True
    return len(compact) >= 8 and len(compact) % 4 == 0 and _BASE64_TEXT.match(compact) is not None


def is_jpeg_or_png(data: bytes) -> bool:
    return data.startswith((_JPEG_MAGIC, _PNG_MAGIC))


def check_image(data: bytes) -> None:
    if not is_jpeg_or_png(data):
        hint = " (it is base64 text; upload the image bytes)" if looks_like_base64_text(data) else ""
        raise ImageDecodeFailedError(f"Image decoding failed{hint}.")


def check_sdk_data(data: bytes, name: str) -> None:
    """LiveData / DeviceData are the app SDK's binary packages: empty or base64 text cannot be one."""
    if not data or looks_like_base64_text(data):
        raise InvalidParameterValueError(f"invalid {name}")


class CosResources:
    """The COS side of the emulator. Every request goes to `cos_endpoint` with the URL's host in the
    Host header, as DNS would route it in production; URLs handed out keep the production host."""

    def __init__(self, config: FaceIdEmulatorConfig, clock: Clock) -> None:
        self._clock = clock
        self._endpoint = config.cos_endpoint.rstrip("/")
        self._timeout = config.download_timeout_seconds
        self._buckets = dict(config.resource_buckets)
        key = config.cos_key
        self._token_params = {"x-cos-security-token": key.token} if key.token else {}
        credentials = {"SecretId": key.secret_id, "SecretKey": key.secret_key, "Token": key.token}
        endpoint = urlsplit(config.cos_endpoint)
        self._writers = {
            region: CosS3Client(
                CosConfig(
                    Region=region,
                    IP=endpoint.hostname,
                    Port=endpoint.port,
                    Scheme=endpoint.scheme,
                    **credentials,
                ),
                retry=1,
            )
            for region in self._buckets
        }
        self._signers = {
            region: CosS3Client(CosConfig(Region=region, Scheme="https", **credentials))
            for region in self._buckets
        }
        self._client_signers = dict(self._signers)
        if config.cos_public_base_url:
            # Path-style on the local COS (`Domain="<host:port>/<bucket>"`, reference §3.7) so a browser or
            # a local client can reach it; only upload URLs handed to clients take this form.
            public = urlsplit(config.cos_public_base_url)
            self._client_signers = {
                region: CosS3Client(
                    CosConfig(
                        Region=region, Scheme=public.scheme, Domain=f"{public.netloc}/{bucket}", **credentials
                    )
                )
                for region, bucket in self._buckets.items()
            }

    def download(self, resource: CosObjectUrl) -> bytes:
        """GET the resource as FaceID's backend does. The deadline is real time: it bounds a real socket."""
        target = f"{self._endpoint}{resource.path}" + (f"?{resource.query}" if resource.query else "")
        deadline = time.monotonic() + self._timeout
        try:
            with (
                httpx.Client(timeout=self._timeout) as http,
                http.stream("GET", target, headers={"Host": resource.host}) as response,
            ):
                if response.status_code != 200:
                    raise DownLoadError(f"File download failed: COS answered HTTP {response.status_code}.")
                data = bytearray()
                for chunk in response.iter_bytes(_DOWNLOAD_CHUNK_BYTES):
                    data += chunk
                    if time.monotonic() > deadline:
                        raise DownLoadTimeoutError()
                return bytes(data)
        except httpx.TimeoutException as error:
            raise DownLoadTimeoutError() from error
        except httpx.HTTPError as error:
            raise DownLoadError(f"File download failed: {type(error).__name__}.") from error

    def put(self, region: str, key: str, data: bytes, content_type: str) -> None:
        try:
            self._writers[region].put_object(
                Bucket=self._buckets[region], Key=key, Body=data, ContentType=content_type, EnableMD5=True
            )
        except (CosServiceError, CosClientError) as error:
            raise InternalError(f"The emulator could not write {key} to {self._buckets[region]}.") from error

    def presign_get(self, region: str, key: str, ttl: int) -> str:
        """A GET URL in production form (FaceID's own bucket host), valid `ttl` seconds of emulated time."""
        return self._presign(self._signers[region], region, key, "GET", ttl)

    def presign_put_for_client(self, region: str, key: str, ttl: int) -> str:
        return self._presign(self._client_signers[region], region, key, "PUT", ttl)

    def _presign(self, signer: CosS3Client, region: str, key: str, method: str, ttl: int) -> str:
        return str(
            signer.get_presigned_url(
                Bucket=self._buckets[region],
                Key=key,
                Method=method,
                Expired=self._expired(ttl),
                Params=self._token_params,
            )
        )

    def _expired(self, ttl: int) -> int:
        # qcloud_cos signs from time.time() (cos_auth.CosS3Auth), while COS judges expiry by the shared
        # emulated clock: stretch the window by the clock's offset so the URL lives `ttl` emulated seconds.
        return ttl + round(self._clock.now() - time.time())
