"""The FaceID contract tests' harness: the real COS and FaceID emulators on loopback, the unmodified intl
SDK pointed at them, and small helpers to put resources on COS and read the URLs FaceID hands back."""

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from qcloud_cos import CosConfig, CosS3Client
from tencentcloud.common import credential
from tencentcloud.common.common_client import CommonClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.common.sign import Sign
from tencentcloud.faceid.v20180301 import faceid_client

from localcloud import accounts
from localcloud.clock import Clock
from localcloud.faceid import FaceIdEmulatorConfig
from localcloud.faceid.media import best_frame_jpeg

REGION = "ap-singapore"
OTHER_REGION = "ap-bangkok"
VERSION = "2018-03-01"
# FaceID's own buckets (as localcloud.stack names them) and the relay's buckets, where apps upload.
RESOURCE_BUCKETS = {
    region: f"faceid-resource-{region.removeprefix('ap-')}-1254418846" for region in accounts.REGIONS
}
APP_BUCKETS = {region: accounts.app_bucket(region) for region in (REGION, OTHER_REGION)}
DEVICE_DATA = b"\x08\x01\x12\x10device-data-pkg\x00\xff"
LIVE_DATA = b"\x08\x02\x12\x10live-data-package\x00\xfe\x01"
JPEG = best_frame_jpeg()


def faceid_config(cos_url: str, faceid_url: str, **overrides: Any) -> FaceIdEmulatorConfig:
    settings: dict[str, Any] = {
        "keys": list(accounts.KEYS),
        "cos_endpoint": cos_url,
        "resource_buckets": RESOURCE_BUCKETS,
        "cos_key": accounts.PERMANENT,
        "cos_public_base_url": cos_url,
        "public_base_url": faceid_url,
        **overrides,
    }
    return FaceIdEmulatorConfig(**settings)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def is_jpeg(data: bytes) -> bool:
    """SOI at the start, EOI at the end, and a start-of-frame segment in between."""
    return (
        data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9" and (b"\xff\xc0" in data or b"\xff\xc2" in data)
    )


def is_mp4(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and b"moov" in data


def sdk_error(call: Callable[[], Any]) -> TencentCloudSDKException:
    """The exception the SDK raises for `call` (it must raise one)."""
    try:
        call()
    except TencentCloudSDKException as error:
        return error
    raise AssertionError("the SDK returned instead of raising")


@dataclass
class LocalCloud:
    clock: Clock
    cos_url: str
    faceid_url: str

    @property
    def faceid_host(self) -> str:
        return urlsplit(self.faceid_url).netloc

    def client(
        self,
        key: accounts.KeyPair = accounts.PERMANENT,
        region: str = REGION,
        timeout: float = 30,
        **profile: Any,
    ) -> faceid_client.FaceidClient:
        """The unmodified intl SDK client, as the relay builds it; `profile` takes the SDK's other request
        forms: method="GET", sign_method="HmacSHA1"/"HmacSHA256", unsigned_payload=True."""
        return faceid_client.FaceidClient(_credential(key), region, self._profile(timeout, **profile))

    def common(
        self, key: accounts.KeyPair = accounts.PERMANENT, region: str = REGION, version: str = VERSION
    ) -> CommonClient:
        """CommonClient, for the legacy actions the SDK no longer ships (and for raw parameters)."""
        return CommonClient("faceid", version, _credential(key), region, self._profile(30))

    def _profile(
        self,
        timeout: float,
        method: str = "POST",
        sign_method: str = "TC3-HMAC-SHA256",
        unsigned_payload: bool = False,
    ) -> ClientProfile:
        http = HttpProfile(endpoint=self.faceid_host, protocol="http", reqTimeout=timeout, reqMethod=method)
        profile = ClientProfile(signMethod=sign_method, httpProfile=http)
        # A class attribute the constructor does not take (tencentcloud/common/profile/client_profile.py).
        profile.unsignedPayload = unsigned_payload
        return profile

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.request(method, f"{self.faceid_url}/_control/{path}", json=body, timeout=30)

    def calls(self) -> list[dict[str, Any]]:
        answer: list[dict[str, Any]] = self.control("GET", "calls").json()
        return answer

    def put_resource(
        self, data: bytes, key: str, region: str = REGION, bucket: str | None = None, ttl: int = 3600
    ) -> str:
        """Upload to a bucket (the app's own by default) and return a presigned GET in production form."""
        bucket = bucket or APP_BUCKETS[region]
        cos = urlsplit(self.cos_url)
        credentials = {"SecretId": accounts.PERMANENT.secret_id, "SecretKey": accounts.PERMANENT.secret_key}
        writer = CosS3Client(
            CosConfig(Region=region, IP=cos.hostname, Port=cos.port, Scheme="http", **credentials)
        )
        writer.put_object(Bucket=bucket, Key=key, Body=data)
        signer = CosS3Client(CosConfig(Region=region, Scheme="https", **credentials))
        # qcloud_cos signs from time.time(); COS judges by the shared clock (see resources._expired).
        expired = ttl + round(self.clock.now() - time.time())
        return str(signer.get_presigned_url(Bucket=bucket, Key=key, Method="GET", Expired=expired))

    def fetch(self, url: str) -> httpx.Response:
        """GET a production-form COS URL from the local COS, with its host in the Host header."""
        parts = urlsplit(url)
        target = f"{self.cos_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return httpx.get(target, headers={"Host": parts.netloc}, timeout=30)

    def upload_via_faceid(self, data: bytes, target_action: str, region: str = REGION) -> str:
        """CreateUploadUrl + PUT, as an app does with FaceID's own bucket; returns the ResourceUrl."""
        answer = self.common(region=region).call_json("CreateUploadUrl", {"TargetAction": target_action})
        put = httpx.put(answer["Response"]["UploadUrl"], content=data, timeout=30)
        assert put.status_code == 200, put.text
        return str(answer["Response"]["ResourceUrl"])


def _credential(key: accounts.KeyPair) -> credential.Credential:
    return credential.Credential(key.secret_id, key.secret_key, key.token)


def response_json(raw: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(raw.content)["Response"]
    return body


def raw_call(
    cloud: LocalCloud,
    action: str,
    params: dict[str, Any],
    key: accounts.KeyPair = accounts.PERMANENT,
    *,
    content_type: str = "application/json",
    signed_headers: tuple[str, ...] = ("content-type", "host"),
    timestamp: int | None = None,
    authorization: str | None = None,
    drop_headers: tuple[str, ...] = (),
    service: str = "faceid",
) -> httpx.Response:
    """An API 3.0 request signed by hand, following the Signature v3 doc step by step (with the SDK's
    Sign.sign_tc3 for the key derivation), for the variants the SDK never sends. `authorization`
    replaces the computed header; `drop_headers` are removed after signing; `service` names the
    credential scope's service (and keys the signature)."""
    body = json.dumps(params).encode()
    stamp = timestamp if timestamp is not None else int(time.time())
    headers = {
        "Content-Type": content_type,
        "Host": cloud.faceid_host,
        "X-TC-Action": action,
        "X-TC-Version": VERSION,
        "X-TC-Timestamp": str(stamp),
        "X-TC-Region": REGION,
    }
    if key.token:
        headers["X-TC-Token"] = key.token
    lowered = {name.lower(): value for name, value in headers.items()}
    canonical_headers = "".join(f"{name}:{lowered[name].lower()}\n" for name in signed_headers)
    canonical = "\n".join(
        ["POST", "/", "", canonical_headers, ";".join(signed_headers), hashlib.sha256(body).hexdigest()]
    )
    date = time.strftime("%Y-%m-%d", time.gmtime(stamp))
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(stamp), scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    signature = Sign.sign_tc3(key.secret_key, date, service, to_sign)
    headers["Authorization"] = (
        authorization
        if authorization is not None
        else f"TC3-HMAC-SHA256 Credential={key.secret_id}/{scope}, SignedHeaders={';'.join(signed_headers)}, "
        f"Signature={signature}"
    )
    for name in drop_headers:
        del headers[name]
    return httpx.post(cloud.faceid_url + "/", content=body, headers=headers, timeout=30)
