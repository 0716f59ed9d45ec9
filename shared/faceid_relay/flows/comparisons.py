"""liveness-compare: DetectReflectLivenessAndCompare on the live data and a compare image, stored once as a
comparison the app can read again; the best frame (FaceID keeps it 2 h) copied into results/ after its MD5
checks out. Live data is single-use: a capture that was compared once cannot be replayed through the relay."""

import hashlib
import json
import uuid
from dataclasses import replace
from datetime import datetime, timezone

from faceid_relay.errors import (
    ComparisonNotFound,
    IdempotencyKeyReused,
    InvalidRequest,
    LiveDataAlreadyUsed,
    ProviderMediaUnavailable,
    RelayError,
)
from faceid_relay.faceid import PROVIDER_DOWNLOAD_ERRORS, PROVIDER_ERRORS, LivenessVerdict, Resource
from faceid_relay.flows.issuing import idempotency_key_hash
from faceid_relay.flows.media import ResultFile, copy_provider_media, media_link
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.flows.resources import RESOURCE_ERRORS, resolve_resource
from faceid_relay.models.records import (
    ComparisonIdempotencyRecord,
    ComparisonRecord,
    LiveDataClaim,
    comparison_idempotency_key,
    comparison_key,
    live_data_claim_key,
)
from faceid_relay.models.requests import LivenessComparisonRequest
from faceid_relay.models.responses import LivenessComparison
from faceid_relay.models.rules import new_comparison_id, validate_comparison_id
from faceid_relay.settings import Settings
from faceid_relay.storage import STORAGE_ERRORS

BEST_FRAME_FILE = ResultFile("best-frame.jpg", "image/jpeg", 8 * 1024 * 1024, "best frame")
COMPARE_ERRORS: tuple[type[RelayError], ...] = (
    *RESOURCE_ERRORS,
    IdempotencyKeyReused,
    LiveDataAlreadyUsed,
    *PROVIDER_ERRORS,
    *PROVIDER_DOWNLOAD_ERRORS,
    ProviderMediaUnavailable,
    *STORAGE_ERRORS,
)
READ_COMPARISON_ERRORS: tuple[type[RelayError], ...] = (ComparisonNotFound, *STORAGE_ERRORS)


def compare_liveness(
    request: LivenessComparisonRequest,
    idempotency_key_value: str | None,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
) -> LivenessComparison:
    """The order makes every step safe to repeat: the Idempotency-Key fixes the comparison's id, the claim
    on the live data names that id, the best frame is stored before the record that points at it, and the
    record is create-once (a concurrent retry answers with the winner's)."""
    live_data = resolve_resource(request.live_data, settings, storage)
    image = resolve_resource(request.image, settings, storage)
    if live_data.url == image.url:
        raise InvalidRequest(
            "The live data and the compare image must be two different resources.", field="imageKey"
        )
    request_hash = _request_hash(request, live_data, image)
    comparison_id = new_comparison_id()
    if idempotency_key_value is not None:
        comparison_id = _claim_idempotency_key(idempotency_key_value, request_hash, comparison_id, storage)
        if (stored := storage.read_json(comparison_key(comparison_id))) is not None:
            return _answer(ComparisonRecord.model_validate(stored), settings, storage)
    live_data_field = "liveDataKey" if request.live_data.key is not None else "liveDataUrl"
    _claim_live_data(live_data.md5, comparison_id, storage, field=live_data_field)
    try:
        verdict = faceid.detect_reflect_liveness_and_compare(live_data, image)
        record = _record(comparison_id, request, request_hash, live_data, verdict, settings, storage)
    except RelayError:
        # Nothing was finished (no verdict, or its best frame not kept): the capture may be compared again.
        storage.delete(live_data_claim_key(live_data.md5))
        raise
    if not storage.create_json(comparison_key(comparison_id), record.model_dump(mode="json")):
        if record.best_frame is not None:
            storage.delete(record.best_frame.key)
        record = ComparisonRecord.model_validate(storage.read_json(comparison_key(comparison_id)))
    return _answer(record, settings, storage)


def read_liveness_comparison(raw_id: str, settings: Settings, storage: Bucket) -> LivenessComparison:
    stored = storage.read_json(comparison_key(validate_comparison_id(raw_id)))
    if stored is None:
        raise ComparisonNotFound()
    return _answer(ComparisonRecord.model_validate(stored), settings, storage)


def _record(
    comparison_id: str,
    request: LivenessComparisonRequest,
    request_hash: str,
    live_data: Resource,
    verdict: LivenessVerdict,
    settings: Settings,
    storage: Bucket,
) -> ComparisonRecord:
    similarity = verdict.similarity or 0.0
    best_frame = None
    if verdict.succeeded and verdict.best_frame is not None:
        # One file per attempt: a concurrent retry of the same comparison never overwrites the winner's.
        file = replace(BEST_FRAME_FILE, name=f"best-frame-{uuid.uuid4().hex[:8]}.jpg")
        best_frame = copy_provider_media(storage, verdict.best_frame, comparison_id, file)
    return ComparisonRecord(
        id=comparison_id,
        request_hash=request_hash,
        reference=request.reference,
        metadata=request.metadata,
        live_data_md5=live_data.md5.lower(),
        result=verdict.result,
        description=verdict.description,
        similarity=similarity,
        passed=verdict.succeeded and similarity >= settings.pass_threshold,
        best_frame=best_frame,
        request_id=verdict.request_id,
        created_at=datetime.now(timezone.utc),
    )


def _answer(record: ComparisonRecord, settings: Settings, storage: Bucket) -> LivenessComparison:
    best_frame = (
        media_link(record.best_frame, BEST_FRAME_FILE, settings, storage)
        if record.best_frame is not None
        else None
    )
    return LivenessComparison.from_record(record, best_frame)


def _claim_idempotency_key(value: str, request_hash: str, comparison_id: str, storage: Bucket) -> str:
    """The comparison id this key stands for: ours when the key is new, else the first request's (which
    must have been this same request)."""
    key_hash = idempotency_key_hash(value)
    claim = ComparisonIdempotencyRecord(
        key_hash=key_hash,
        request_hash=request_hash,
        comparison_id=comparison_id,
        created_at=datetime.now(timezone.utc),
    )
    if storage.create_json(comparison_idempotency_key(key_hash), claim.model_dump(mode="json")):
        return comparison_id
    existing = ComparisonIdempotencyRecord.model_validate(
        storage.read_json(comparison_idempotency_key(key_hash))
    )
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused(field="Idempotency-Key")
    return existing.comparison_id


def _claim_live_data(md5: str, comparison_id: str, storage: Bucket, *, field: str) -> None:
    """Refuse live data another comparison used (a retry of the same comparison may use it again)."""
    claim = LiveDataClaim(
        live_data_md5=md5.lower(), comparison_id=comparison_id, created_at=datetime.now(timezone.utc)
    )
    if storage.create_json(live_data_claim_key(md5), claim.model_dump(mode="json")):
        return
    stored = storage.read_json(live_data_claim_key(md5))
    if stored is None or LiveDataClaim.model_validate(stored).comparison_id != comparison_id:
        raise LiveDataAlreadyUsed(field=field)


def _request_hash(request: LivenessComparisonRequest, live_data: Resource, image: Resource) -> str:
    """What makes two requests the same: the data compared (by content), reference and metadata."""
    canonical = {
        "liveDataMd5": live_data.md5.lower(),
        "imageMd5": image.md5.lower(),
        "reference": request.reference,
        "metadata": request.metadata,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
