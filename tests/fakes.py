"""In-memory stand-ins for what the flows talk to (flows/ports.py: Bucket, FaceIdApi, WebhookReceiver), for
unit tests of the flows and for benchmarks that must time our code and never the network.

FakeBucket keeps COS's create-once rule (a second create of a key answers False) and parses JSON per read,
as the real read_json parses the bytes it downloads. FakeFaceId answers every action with a typed answer the
test sets, and notes each call."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from faceid_relay.errors import ProviderMediaUnavailable
from faceid_relay.faceid import (
    CompareImage,
    IssuedWebVerification,
    LivenessVerdict,
    ReflectSequence,
    Resource,
    UploadUrl,
    WebVerificationOutcome,
)
from faceid_relay.models.records import UploadRecord, upload_record_key
from faceid_relay.models.responses import Attempt
from faceid_relay.models.rules import Action, ApiFlavor, sniff_content_kind
from faceid_relay.settings import Settings
from faceid_relay.storage import ObjectDigest, ObjectHead, StoredObject
from faceid_relay.webhooks import DeliveryResult

BUCKET = "faceid-relay-singapore-1250000000"
BUCKET_URL = f"https://{BUCKET}.cos.ap-singapore.myqcloud.com"
FACEID_MEDIA_URL = "https://faceid-media-1250000000.cos.ap-singapore.myqcloud.com/media?sign=fake"
BIZ_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e"


def md5_of(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@dataclass
class FakeObject:
    data: bytes
    content_type: str

    @property
    def etag(self) -> str:
        return md5_of(self.data)


@dataclass
class FakeBucket:
    """The deployment's bucket in memory. `remote` holds what FaceID's own URLs serve. `keep_writes=False`
    accepts every create and forgets it, so each request takes the path of a first request (benchmarks)."""

    objects: dict[str, FakeObject] = field(default_factory=dict)
    remote: dict[str, bytes] = field(default_factory=dict)
    keep_writes: bool = True
    deleted: list[str] = field(default_factory=list)
    # Writers that get in first: called with the key just before our create of it (a concurrent finisher).
    competitors: dict[str, Callable[[], object]] = field(default_factory=dict)
    # Seconds the invocation has left (what a first-use hash may spend).
    remaining: float = 30.0

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Set an object as a client or an earlier invocation left it."""
        self.objects[key] = FakeObject(data, content_type)

    def put_json(self, key: str, payload: dict[str, Any]) -> None:
        self.put(key, json.dumps(payload).encode(), "application/json")

    def put_upload(self, key: str, data: bytes, content_type: str) -> UploadRecord:
        """An upload a client made and hash-on-upload recorded."""
        self.put(key, data, content_type)
        record = UploadRecord(
            key=key,
            etag=md5_of(data),
            md5=md5_of(data),
            size=len(data),
            content_kind=sniff_content_kind(data[:64], len(data)),
            content_type=content_type,
            recorded_at=NOW,
        )
        self.put_json(upload_record_key(key, record.etag), record.model_dump(mode="json"))
        return record

    def presign_upload(self, key: str, headers: dict[str, str], ttl: int) -> str:
        return f"{BUCKET_URL}/{key}?method=put&ttl={ttl}&sign=fake"

    def presign_download_for_provider(self, key: str, ttl: int) -> str:
        return f"{BUCKET_URL}/{key}?for=provider&ttl={ttl}&sign=fake"

    def presign_download_for_client(self, key: str, ttl: int, *, content_type: str, filename: str) -> str:
        return f"{BUCKET_URL}/{key}?for=client&ttl={ttl}&sign=fake"

    def digest(self, key: str, sniff_bytes: int = 64, deadline: float | None = None) -> ObjectDigest | None:
        item = self.objects.get(key)
        if item is None:
            return None
        return ObjectDigest(
            item.etag, len(item.data), md5_of(item.data), item.data[:sniff_bytes], item.content_type
        )

    def head(self, key: str) -> ObjectHead | None:
        item = self.objects.get(key)
        return None if item is None else ObjectHead(item.etag, len(item.data))

    def remaining_seconds(self) -> float:
        return self.remaining

    def fetch_url(self, url: str, max_bytes: int) -> bytes:
        data = self.remote.get(url)
        if data is None or len(data) > max_bytes:
            raise ProviderMediaUnavailable()
        return data

    def read_object(self, key: str) -> StoredObject | None:
        item = self.objects.get(key)
        return None if item is None else StoredObject(item.etag, item.data)

    def read_bytes(self, key: str) -> bytes | None:
        item = self.objects.get(key)
        return None if item is None else item.data

    def read_json(self, key: str) -> dict[str, Any] | None:
        item = self.objects.get(key)
        return None if item is None else dict(json.loads(item.data))

    def create(self, key: str, data: bytes, content_type: str) -> bool:
        competitor = self.competitors.pop(key, None)
        if competitor is not None:
            competitor()
        if key in self.objects:
            return False
        if self.keep_writes:
            self.objects[key] = FakeObject(data, content_type)
        return True

    def create_json(self, key: str, payload: dict[str, Any]) -> bool:
        return self.create(key, json.dumps(payload).encode(), "application/json")

    def delete(self, key: str) -> None:
        self.deleted.append(key)
        self.objects.pop(key, None)

    def list_keys(self, prefix: str, *, after: str = "", limit: int = 1000) -> list[str]:
        return sorted(key for key in self.objects if key.startswith(prefix) and key > after)[:limit]

    def keys(self, prefix: str = "") -> list[str]:
        return self.list_keys(prefix)


@dataclass
class FakeReceiver:
    """The app's webhook URL: answers each delivery with the next of `answers` (the last one repeats) and
    keeps every body it was sent."""

    answers: list[DeliveryResult] = field(default_factory=lambda: [DeliveryResult(200, None)])
    bodies: list[bytes] = field(default_factory=list)

    def deliver(self, body: bytes) -> DeliveryResult:
        self.bodies.append(body)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.bodies]


@dataclass
class FakeFaceId:
    """FaceID answering at once with the answers set on it; `calls` lists (action, arguments) in order."""

    upload_url: UploadUrl = field(
        default_factory=lambda: UploadUrl(FACEID_MEDIA_URL, FACEID_MEDIA_URL, NOW + timedelta(hours=2))
    )
    sequence: ReflectSequence | None = None
    verdict: LivenessVerdict | None = None
    # Raised instead of answering DetectReflectLivenessAndCompare (FaceID gave no verdict).
    verdict_error: Exception | None = None
    issued: IssuedWebVerification = field(
        default_factory=lambda: IssuedWebVerification(BIZ_TOKEN, f"https://faceid.example/verify/{BIZ_TOKEN}")
    )
    outcome: WebVerificationOutcome = field(default_factory=lambda: WebVerificationOutcome(status=None))
    calls: list[tuple[Action, dict[str, Any]]] = field(default_factory=list)

    def create_upload_url(self, target_action: Action) -> UploadUrl:
        self.calls.append((Action.CreateUploadUrl, {"target_action": target_action}))
        return self.upload_url

    def generate_reflect_sequence(self, device_data: Resource, security_level: str) -> ReflectSequence:
        self.calls.append((Action.GenerateReflectSequence, {"device_data": device_data}))
        assert self.sequence is not None, "set FakeFaceId.sequence"
        return self.sequence

    def detect_reflect_liveness_and_compare(self, live_data: Resource, image: Resource) -> LivenessVerdict:
        self.calls.append((Action.DetectReflectLivenessAndCompare, {"live_data": live_data, "image": image}))
        if self.verdict_error is not None:
            raise self.verdict_error
        assert self.verdict is not None, "set FakeFaceId.verdict"
        return self.verdict

    def apply_web_verification(
        self, flavor: ApiFlavor, *, redirect_url: str, compare_image: CompareImage | None, extra: str | None
    ) -> IssuedWebVerification:
        action = (
            Action.ApplyWebVerificationBizTokenIntl if flavor == "live" else Action.ApplyWebVerificationToken
        )
        self.calls.append(
            (action, {"redirect_url": redirect_url, "compare_image": compare_image, "extra": extra})
        )
        return self.issued

    def get_web_verification_result(self, flavor: ApiFlavor, biz_token: str) -> WebVerificationOutcome:
        action = Action.GetWebVerificationResultIntl if flavor == "live" else Action.GetWebVerificationResult
        self.calls.append((action, {"biz_token": biz_token}))
        return self.outcome

    def actions(self) -> list[Action]:
        return [action for action, _ in self.calls]


def media_link(bucket: FakeBucket, data: bytes, name: str = "media") -> Resource:
    """A file FaceID serves from its own bucket, reachable through `bucket.fetch_url`."""
    url = FACEID_MEDIA_URL.replace("/media?", f"/{name}?")
    bucket.remote[url] = data
    return Resource(url, md5_of(data))


def settings(**overrides: str) -> Settings:
    """A valid deployment in ap-singapore; override variables by name (RELAY_API_FLAVOR="legacy")."""
    environ = {
        "RELAY_REGION": "ap-singapore",
        "RELAY_BUCKET": BUCKET,
        "RELAY_APP_TOKEN": "t" * 40,
        "RELAY_CALLBACK_URL": "https://relay.example.com/callback",
        "RELAY_ALLOWED_RETURN_ORIGINS": "https://app.example.com",
        "TENCENTCLOUD_SECRETID": "AKIDfake",
        "TENCENTCLOUD_SECRETKEY": "fake-secret-key",
        **overrides,
    }
    return Settings.from_env(environ)


def passing_attempt() -> Attempt:
    """One attempt of a web verification that passed, as FaceID reports it (all codes 0)."""
    return Attempt(
        error_code=0,
        error_message="Success",
        liveness_error_code=0,
        compare_error_code=0,
        similarity=91.5,
        at=NOW,
    )
