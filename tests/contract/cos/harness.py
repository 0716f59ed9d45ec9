"""The COS contract tests' harness: the buckets under test, a running emulator with SDK clients and its
control API, and the webhook recorder that stands in for the functions notifications invoke."""

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from qcloud_cos import CosConfig, CosS3Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from localcloud import accounts
from localcloud.clock import Clock
from localcloud.cos import BucketConfig, CorsRule, NotificationRule
from localcloud.server import BackgroundServer

REGION = "ap-singapore"
OTHER_REGION = "ap-bangkok"
BUCKET = accounts.app_bucket(REGION)
OTHER_BUCKET = accounts.app_bucket(OTHER_REGION)
APP_ORIGIN = "http://127.0.0.1:5173"


@dataclass
class Recorder:
    """What the notification target received: one JSON body per POST."""

    url: str
    events: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Emulator:
    server: BackgroundServer
    clock: Clock
    data_dir: Path
    recorder: Recorder

    @property
    def url(self) -> str:
        return self.server.url

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = requests.request(method, f"{self.url}/_control/{path}", json=body, timeout=30)
        response.raise_for_status()
        return response.json()

    def client(
        self, key: accounts.KeyPair = accounts.PERMANENT, region: str = REGION, retry: int = 0, **extra: Any
    ) -> CosS3Client:
        """The unmodified SDK, connecting by IP: Host is "<bucket>.cos.<region>.myqcloud.com".
        No retries unless asked: the SDK sleeps 1 s, 2 s, ... between them."""
        config = CosConfig(
            Region=region,
            SecretId=key.secret_id,
            SecretKey=key.secret_key,
            Token=key.token,
            IP="127.0.0.1",
            Port=self.server.port,
            Scheme="http",
            **extra,
        )
        return CosS3Client(config, retry=retry)

    def path_style_client(
        self, key: accounts.KeyPair = accounts.PERMANENT, bucket: str = BUCKET
    ) -> CosS3Client:
        """The SDK with Domain "127.0.0.1:<port>/<bucket>": path-style URLs a browser can use too."""
        config = CosConfig(
            Region=REGION,
            SecretId=key.secret_id,
            SecretKey=key.secret_key,
            Token=key.token,
            Domain=f"127.0.0.1:{self.server.port}/{bucket}",
            Scheme="http",
        )
        return CosS3Client(config, retry=0)


def bucket_configs(recorder_url: str) -> list[BucketConfig]:
    return [
        BucketConfig(
            name=BUCKET,
            region=REGION,
            cors=[
                CorsRule(
                    allowed_origins=[APP_ORIGIN],
                    allowed_methods=["PUT", "GET"],
                    allowed_headers=["content-md5", "content-type", "x-cos-forbid-overwrite"],
                )
            ],
            notifications=[
                NotificationRule(target_url=f"{recorder_url}/_invoke/hash_on_upload", prefix="uploads/"),
                NotificationRule(target_url=f"{recorder_url}/_invoke/audit", prefix="audit/", deliveries=3),
            ],
        ),
        BucketConfig(name=OTHER_BUCKET, region=OTHER_REGION),
    ]


def recorder_app(recorder: Recorder) -> Starlette:
    async def record(request: Request) -> Response:
        event = json.loads(await request.body())
        with recorder.lock:
            recorder.events.append({"path": request.url.path, "event": event})
        return Response(status_code=200)

    return Starlette(routes=[Route("/_invoke/{function}", record, methods=["POST"])])


def md5_hex(data: bytes) -> str:
    """MD5 as FaceID fields and COS ETags spell it: 32 hex characters."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def md5_b64(data: bytes) -> str:
    """MD5 as the COS Content-MD5 header spells it: base64 of the 16-byte digest."""
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
