"""The benchmark's local cloud: the project's COS and FaceID emulators started once (gateway off), the
environment a deployment gets, and the real uploads, records and verifications the measured events name."""

import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from bench.common import BENCH_DIR, ROOT, BenchError
from bench.events import RealValues, cos_event
from faceid_relay.models.records import UploadExpectation, upload_expectation_key
from faceid_relay.models.rules import Purpose, new_upload_key
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage
from localcloud.gateway import EventShape, Handler, load_handler, make_context
from localcloud.stack import Stack, StackOptions

PHOTO = (ROOT / "localcloud" / "faceid" / "assets" / "best_frame.jpg").read_bytes()
# The app SDK's packages are opaque binary; this is never valid base64 text.
SDK_DATA = b"\x00\xff" + bytes(range(256)) * 16
CONTROL_TIMEOUT_SECONDS = 30


class BenchCloud:
    """One deployment (ap-singapore, live flavor) against the emulators, as the benchmarks' parent sees it."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.env = stack.function_env()
        self.settings = Settings.from_env(self.env)
        self.storage = Storage(self.settings)
        self.return_url = f"{stack.gateway_url}/demo/result"
        self._hash_handler: Handler | None = None

    def upload(self, purpose: Purpose, data: bytes, content_type: str) -> str:
        """A finished upload: the object under a fresh key, and its MD5 record from hash-on-upload."""
        key = new_upload_key(purpose)
        self.expect(key, len(data), content_type, hashlib.md5(data, usedforsecurity=False).hexdigest())
        if not self.storage.create(key, data, content_type):
            raise BenchError(f"{key} already exists")
        self.record(key, len(data))
        return key

    def expect(self, key: str, size: int, content_type: str, md5: str | None = None) -> None:
        """What presign-upload would have promised for `key` (hashing refuses an object without it)."""
        expectation = UploadExpectation(
            key=key,
            size=size,
            md5=md5,
            content_type=content_type,
            created_at=datetime.now(timezone.utc),
        )
        self.storage.create_json(upload_expectation_key(key), expectation.model_dump(mode="json"))

    def record(self, key: str, size: int) -> None:
        """Run hash-on-upload's handler on the COS event of `key`, as the bucket's trigger would."""
        if self._hash_handler is None:
            self._hash_handler = load_handler("hash_on_upload")
        context = make_context(EventShape.SCF_URL, "hash_on_upload", str(uuid.uuid4()))
        answer = self._hash_handler(cos_event(key, size), context)
        if answer.get("recorded") != [key]:
            raise BenchError(f"hash_on_upload did not record {key}: {answer}")

    def fresh_live_data(self) -> str:
        """A new live-data upload: a liveness comparison claims its live data by MD5, once
        (LiveDataAlreadyUsed), so each one gets different bytes."""
        return self.upload(Purpose.LIVE_DATA, SDK_DATA[::-1] + os.urandom(16), "application/octet-stream")

    def real_values(self) -> RealValues:
        """One upload of each purpose, recorded; the keys valid events name."""
        return RealValues(
            compare_image_key=self.upload(Purpose.COMPARE_IMAGE, PHOTO, "image/jpeg"),
            device_data_key=self.upload(Purpose.DEVICE_DATA, SDK_DATA, "application/octet-stream"),
            live_data_key=self.fresh_live_data(),
            return_url=self.return_url,
        )

    def pass_verification(self, verification_url: str) -> None:
        """What the user does on FaceID's page: open it and choose Pass."""
        page = requests.get(verification_url, timeout=CONTROL_TIMEOUT_SECONDS)
        parts = urlsplit(verification_url)
        token = parse_qs(parts.query)["token"][0]
        answer = requests.post(
            f"{parts.scheme}://{parts.netloc}{parts.path}",
            data={"token": token, "outcome": "pass"},
            allow_redirects=False,
            timeout=CONTROL_TIMEOUT_SECONDS,
        )
        if page.status_code != 200 or answer.status_code not in (302, 303):
            raise BenchError(
                f"FaceID's page refused the verification: {page.status_code}/{answer.status_code}"
            )

    def faceid_calls(self) -> list[dict[str, Any]]:
        """The FaceID emulator's log of calls (action, region, error code), oldest first."""
        answer = requests.get(f"{self.stack.faceid_url}/_control/calls", timeout=CONTROL_TIMEOUT_SECONDS)
        answer.raise_for_status()
        calls: list[dict[str, Any]] = answer.json()
        return calls


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@contextmanager
def bench_cloud() -> Iterator[BenchCloud]:
    """Start the emulators on loopback with a scratch data directory, and export the deployment's
    environment in this process too (the in-process benchmarks import the functions, which read it)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="cloud-", dir=BENCH_DIR))
    stack = Stack(StackOptions(data_dir=data_dir, with_gateway=False)).start()
    try:
        cloud = BenchCloud(stack)
        # This process logs warnings only (its setup records uploads at INFO); children log as deployed.
        os.environ.update({**cloud.env, "POWERTOOLS_LOG_LEVEL": "WARNING"})
        yield cloud
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
