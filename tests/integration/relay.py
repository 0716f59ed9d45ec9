"""How an app backend and a browser talk to a faceid-relay deployment in the local cloud."""

import base64
import hashlib
import math
import secrets
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from faceid_relay.settings import Settings
from faceid_relay.storage import Storage
from localcloud import accounts
from localcloud.process import RunningStack
from localcloud.scheduler import timer_event

ASSETS = Path(__file__).resolve().parents[2] / "localcloud" / "faceid" / "assets"
PHOTO = (ASSETS / "best_frame.jpg").read_bytes()


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


class Relay:
    """The app backend's view of a deployment (bearer token) plus a browser's (no token, no redirects)."""

    def __init__(self, stack: RunningStack) -> None:
        self.stack = stack
        self.base = stack.gateway
        self.auth = {"Authorization": f"Bearer {stack.app_token}"}

    def post(
        self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> requests.Response:
        return requests.post(
            f"{self.base}{path}", json=body, headers={**self.auth, **(headers or {})}, timeout=60
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return requests.get(f"{self.base}{path}", headers=self.auth, timeout=60, **kwargs)

    def upload(self, purpose: str, data: bytes, content_type: str, declare_md5: bool = True) -> str:
        """presign-upload, then PUT exactly as a client must; returns the object key."""
        body: dict[str, Any] = {"purpose": purpose, "size": len(data), "contentType": content_type}
        if declare_md5:
            body["md5"] = md5_hex(data)
        answer = self.post("/uploads", body)
        assert answer.status_code == 200, answer.text
        upload = answer.json()
        put = requests.put(upload["uploadUrl"], data=data, headers=upload["headers"], timeout=60)
        assert put.status_code == 200, put.text
        return str(upload["key"])

    def request_faceid_upload(self, data: bytes) -> requests.Response:
        """POST /uploads through FaceID's CreateUploadUrl, for SDK device data of this size."""
        return self.post(
            "/uploads",
            {
                "purpose": "device-data",
                "size": len(data),
                "contentType": "application/octet-stream",
                "via": "faceid",
                "targetAction": "GenerateReflectSequence",
            },
        )

    def wait_for_record(
        self, post: Callable[[], requests.Response], attempts: int = 100
    ) -> requests.Response:
        """Retry while the relay says the upload is not hashed yet (409 + Retry-After)."""
        answer = post()
        for _ in range(attempts):
            if not (answer.status_code == 409 and answer.json()["code"] == "UploadNotReady"):
                return answer
            time.sleep(0.1)
            answer = post()
        return answer

    def start_verification(
        self, image_key: str | None, reference: str = "order-1", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "compareImageKey": image_key,
            "returnUrl": f"{self.base}/demo/result",
            "reference": reference,
            **extra,
        }
        answer = self.wait_for_record(lambda: self.post("/verifications", body))
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def complete_on_faceid(self, verification_url: str, choice: str) -> str:
        return complete_on_faceid(verification_url, choice)

    def callback(self, url: str) -> requests.Response:
        return requests.get(url, allow_redirects=False, timeout=60)

    def sweep(self, at: datetime) -> dict[str, Any]:
        """Run the sweeper as its timer trigger would at `at` (ahead of now to skip waiting)."""
        answer = requests.post(f"{self.base}/_invoke/lifecycle_sweeper", json=timer_event(at), timeout=120)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def webhooks(self) -> dict[str, Any]:
        """What the local webhook receiver got: genuine events once each, and every delivery."""
        return dict(requests.get(f"{self.base}/_webhooks/events", timeout=10).json())

    def webhook_receiver(self, *, down: bool) -> None:
        requests.post(f"{self.base}/_webhooks/control", json={"down": down}, timeout=10).raise_for_status()

    def bucket_keys(self, prefix: str) -> list[str]:
        """Keys in the deployment's bucket under `prefix`, listed as the functions list them."""
        settings = Settings.from_env(
            {
                "RELAY_REGION": f"ap-{self.stack.bucket.split('-')[2]}",
                "RELAY_BUCKET": self.stack.bucket,
                "RELAY_APP_TOKEN": self.stack.app_token,
                "RELAY_COS_ENDPOINT": self.stack.cos,
                "TENCENTCLOUD_SECRETID": accounts.PERMANENT.secret_id,
                "TENCENTCLOUD_SECRETKEY": accounts.PERMANENT.secret_key,
            }
        )
        return Storage(settings).list_keys(prefix)

    def faceid_calls(self, action: str) -> list[dict[str, Any]]:
        calls = requests.get(f"{self.stack.faceid}/_control/calls", timeout=10).json()
        return [call for call in calls if call["action"] == action]


def complete_on_faceid(verification_url: str, choice: str) -> str:
    """What the user does on FaceID's page; returns where FaceID sends the browser."""
    page = requests.get(verification_url, timeout=30)
    assert page.status_code == 200, page.text
    parts = urlsplit(verification_url)
    token = parse_qs(parts.query)["token"][0]
    answer = requests.post(
        f"{parts.scheme}://{parts.netloc}{parts.path}",
        data={"token": token, "outcome": choice},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code in (302, 303), answer.text
    return str(answer.headers["Location"])


def preflight(url: str, origin: str, method: str, headers: str | None = None) -> requests.Response:
    """The OPTIONS a browser on `origin` sends before a `method` request with `headers` (comma-separated)."""
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers is not None:
        asked["Access-Control-Request-Headers"] = headers
    return requests.options(url, headers=asked, timeout=30)


def photo() -> bytes:
    return PHOTO


def binary_blob(size: int = 4096) -> bytes:
    """SDK-style binary data (never valid base64 text)."""
    return b"\x00\xff" + secrets.token_bytes(size)


def as_base64_text(data: bytes) -> bytes:
    return base64.b64encode(data)


# FaceID is asked for a pending result at most once per BizToken and window of this many seconds
# (RELAY_RESULT_CHECK_INTERVAL); concurrent callers in one window share the first one's answer.
RESULT_CHECK_INTERVAL: int = Settings.model_fields["result_check_interval"].default


def most_windows(seconds: float) -> int:
    """How many result-check windows a span of `seconds` can touch."""
    return math.ceil(seconds / RESULT_CHECK_INTERVAL) + 1
