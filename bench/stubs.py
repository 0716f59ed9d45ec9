"""Instant stand-ins for the Storage and FaceId objects an HTTP function holds, so P5 times our own code
(adapter, app token, validation, routing, flow, response shaping) and never the network.

Every answer is one a real deployment could give for the sample events: uploads are recorded, sessions
are final (so the callback and result_read read them instead of calling FaceID), media MD5s match."""

import hashlib
import json
from datetime import datetime, timedelta, timezone
from typing import Any

from bench.cloud import PHOTO
from faceid_relay.faceid import FaceId
from faceid_relay.models.records import FinalRecord, SessionRecord, UploadRecord, result_media_key
from faceid_relay.models.responses import StoredMedia
from faceid_relay.models.rules import Action
from faceid_relay.storage import Storage

ETAG = "0123456789abcdef0123456789abcdef"
PHOTO_MD5 = hashlib.md5(PHOTO, usedforsecurity=False).hexdigest()
BUCKET_URL = "https://faceid-relay-singapore-1250000000.cos.ap-singapore.myqcloud.com"
URL = f"{BUCKET_URL}/stub?q-signature=stub"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
ANSWERS: dict[Action, dict[str, Any]] = {
    Action.GenerateReflectSequence: {
        "ReflectSequenceUrl": URL,
        "ReflectSequenceMd5": PHOTO_MD5,
        "RequestId": "stub",
    },
    Action.DetectReflectLivenessAndCompare: {
        "Result": "Success",
        "Description": "Success",
        "Sim": 95.0,
        "BestFrameUrl": URL,
        "BestFrameMd5": PHOTO_MD5,
        "RequestId": "stub",
    },
    Action.ApplyWebVerificationBizTokenIntl: {
        "BizToken": "81EEF678-28EE-4759-A82E-6CBBBE6BC442",
        "VerificationURL": URL,
        "RequestId": "stub",
    },
}


class StubStorage(Storage):
    """The bucket as the flows see it, answered from memory; JSON records are parsed per read, as the
    real read_json parses the bytes it downloads."""

    def __init__(self) -> None:
        self._records: dict[str, str] = {}

    def presign_upload(self, key: str, headers: dict[str, str], ttl: int) -> str:
        return _presigned(key)

    def presign_download_for_provider(self, key: str, ttl: int) -> str:
        return _presigned(key)

    def presign_download_for_client(self, key: str, ttl: int, *, content_type: str, filename: str) -> str:
        return _presigned(key)

    def etag(self, key: str) -> str | None:
        return ETAG

    def fetch_url(self, url: str, max_bytes: int) -> bytes:
        return PHOTO

    def read_bytes(self, key: str) -> bytes | None:
        return PHOTO

    def read_json(self, key: str) -> dict[str, Any] | None:
        if key not in self._records:
            record = _record(key)
            if record is None:
                return None
            self._records[key] = json.dumps(record)
        loaded: dict[str, Any] = json.loads(self._records[key])
        return loaded

    def create(self, key: str, data: bytes, content_type: str) -> bool:
        return True

    def delete(self, key: str) -> None:
        return None


class StubFaceId(FaceId):
    """FaceID answering each action the sample events lead to, at once."""

    def __init__(self) -> None:
        """No client: nothing is sent."""

    def call(
        self, action: Action, params: dict[str, Any], verdicts: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        return dict(ANSWERS[action])


def _presigned(key: str) -> str:
    return f"{BUCKET_URL}/{key}?q-signature=stub"


def _record(key: str) -> dict[str, Any] | None:
    """The record under `key`: every upload recorded, every session final, no Idempotency-Key claimed."""
    parts = key.split("/")
    if parts[:2] == ["records", "uploads"]:
        return _upload(key="/".join(parts[1:-1]))
    if parts[:2] == ["records", "verifications"] and parts[-1] == "session.json":
        return _session(parts[2])
    if parts[:2] == ["records", "verifications"] and parts[-1] == "final.json":
        return _final(parts[2])
    return None


def _upload(key: str) -> dict[str, Any]:
    image = key.startswith("uploads/compare-image/")
    return UploadRecord(
        key=key,
        etag=ETAG,
        md5=PHOTO_MD5,
        size=len(PHOTO),
        content_kind="jpeg" if image else "binary",
        content_type="image/jpeg" if image else "application/octet-stream",
        recorded_at=NOW,
    ).model_dump(mode="json")


def _session(token: str) -> dict[str, Any]:
    return SessionRecord(
        biz_token=token,
        flavor="live",
        reference="order-1234",
        return_url="https://app.example.com/kyc/done",
        compare_image_key=None,
        compare_image_md5=None,
        request_hash="0" * 64,
        verification_url=URL,
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=10),
    ).model_dump(mode="json")


def _final(token: str) -> dict[str, Any]:
    frame = StoredMedia(key=result_media_key(token, "best-frame.jpg"), md5=PHOTO_MD5, size=len(PHOTO))
    return FinalRecord(
        biz_token=token,
        status="passed",
        error_code=0,
        error_message="Success",
        similarity=95.0,
        attempts=[],
        media={"bestFrame": frame},
        finalized_at=NOW,
    ).model_dump(mode="json")
