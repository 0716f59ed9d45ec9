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
from faceid_relay.flows.ports import Bucket, FaceIdApi, read_record, stored_record
from faceid_relay.flows.resources import RESOURCE_ERRORS, resolve_resource
from faceid_relay.models.records import (
    ComparisonIdempotencyRecord,
    ComparisonRecord,
    ComparisonRedaction,
    LiveDataClaim,
    comparison_idempotency_key,
    comparison_key,
    comparison_redaction_key,
    live_data_claim_key,
)
from faceid_relay.models.requests import LivenessComparisonRequest
from faceid_relay.models.responses import LivenessComparison
from faceid_relay.models.rules import new_comparison_id
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
    """Every step is safe to repeat: the claim on the live data names the comparison (and the
    Idempotency-Key that may finish it), the best frame is stored before the record that points at it, the
    record is create-once (a concurrent retry answers with the winner's), and the Idempotency-Key is
    recorded last. A failure without a verdict leaves nothing behind."""
    live_data = resolve_resource(request.live_data, settings, storage)
    image = resolve_resource(request.image, settings, storage)
    if live_data.url == image.url:
        raise InvalidRequest(
            "The live data and the compare image must be two different resources.", field="imageKey"
        )
    request_hash = _request_hash(request, live_data, image)
    key_hash = idempotency_key_hash(idempotency_key_value) if idempotency_key_value is not None else None
    if key_hash is not None and (replay := _replay(key_hash, request_hash, settings, storage)) is not None:
        return replay
    live_data_field = "liveDataKey" if request.live_data.key is not None else "liveDataUrl"
    claim, resumed = _claim_live_data(live_data.md5, key_hash, request_hash, storage, field=live_data_field)
    # A new claim names a new comparison id: only a resumed one can already have its record.
    stored = storage.read_json(comparison_key(claim.comparison_id)) if resumed else None
    if stored is not None:  # an earlier try with this key finished: only its key record is missing
        record = ComparisonRecord.model_validate(stored)
    else:
        record = _compare(claim, request, request_hash, live_data, image, settings, storage, faceid)
    if key_hash is not None:
        _record_idempotency_key(key_hash, request_hash, record.id, storage)
    return _answer(record, settings, storage)


def _compare(
    claim: LiveDataClaim,
    request: LivenessComparisonRequest,
    request_hash: str,
    live_data: Resource,
    image: Resource,
    settings: Settings,
    storage: Bucket,
    faceid: FaceIdApi,
) -> ComparisonRecord:
    try:
        verdict = faceid.detect_reflect_liveness_and_compare(live_data, image)
        record = _record(claim.comparison_id, request, request_hash, live_data, verdict, settings, storage)
    except RelayError:
        # Nothing was finished (no verdict, or its best frame not kept): the capture may be compared again.
        storage.delete(live_data_claim_key(live_data.md5))
        raise
    if storage.create_json(comparison_key(record.id), record.model_dump(mode="json")):
        return record
    if record.best_frame is not None:
        storage.delete(record.best_frame.key)
    return ComparisonRecord.model_validate(storage.read_json(comparison_key(record.id)))


def read_liveness_comparison(raw_id: str, settings: Settings, storage: Bucket) -> LivenessComparison:
    return _answer(stored_comparison(raw_id, storage), settings, storage)


def stored_comparison(raw_id: str, storage: Bucket) -> ComparisonRecord:
    # comparison_key refuses anything but a comparison id (400 InvalidRequest naming "id").
    return stored_record(storage, comparison_key(raw_id), ComparisonRecord, ComparisonNotFound)


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
    if (redaction := storage.read_json(comparison_redaction_key(record.id))) is not None:
        return LivenessComparison.redacted(record, ComparisonRedaction.model_validate(redaction))
    best_frame = None
    if record.best_frame is not None:
        best_frame = media_link(record.best_frame, BEST_FRAME_FILE, settings, storage)
    return LivenessComparison.from_record(record, best_frame)


def _replay(
    key_hash: str, request_hash: str, settings: Settings, storage: Bucket
) -> LivenessComparison | None:
    record = read_record(storage, comparison_idempotency_key(key_hash), ComparisonIdempotencyRecord)
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise IdempotencyKeyReused(field="Idempotency-Key")
    return read_liveness_comparison(record.comparison_id, settings, storage)


def _claim_live_data(
    md5: str, key_hash: str | None, request_hash: str, storage: Bucket, *, field: str
) -> tuple[LiveDataClaim, bool]:
    """The claim on this live data and whether it is resumed: a new one (False), or the one an earlier try
    of this very request (same Idempotency-Key) left when it died (True); any other use of the data is
    refused."""
    claim = LiveDataClaim(
        live_data_md5=md5.lower(),
        comparison_id=new_comparison_id(),
        key_hash=key_hash,
        request_hash=request_hash,
        created_at=datetime.now(timezone.utc),
    )
    if storage.create_json(live_data_claim_key(md5), claim.model_dump(mode="json")):
        return claim, False
    existing = read_record(storage, live_data_claim_key(md5), LiveDataClaim)
    if (
        existing is None
        or key_hash is None
        or (existing.key_hash, existing.request_hash) != (key_hash, request_hash)
    ):
        raise LiveDataAlreadyUsed(field=field)
    return existing, True


def _record_idempotency_key(key_hash: str, request_hash: str, comparison_id: str, storage: Bucket) -> None:
    """Create-once; a concurrent request that used the same key for another body got there first: 422."""
    record = ComparisonIdempotencyRecord(
        key_hash=key_hash,
        request_hash=request_hash,
        comparison_id=comparison_id,
        created_at=datetime.now(timezone.utc),
    )
    if storage.create_json(comparison_idempotency_key(key_hash), record.model_dump(mode="json")):
        return
    winner = read_record(storage, comparison_idempotency_key(key_hash), ComparisonIdempotencyRecord)
    if winner is not None and winner.request_hash != request_hash:
        raise IdempotencyKeyReused(field="Idempotency-Key")


def _request_hash(request: LivenessComparisonRequest, live_data: Resource, image: Resource) -> str:
    """What makes two requests the same: the data compared (by content), reference and metadata."""
    canonical = {
        "liveDataMd5": live_data.md5.lower(),
        "imageMd5": image.md5.lower(),
        "reference": request.reference,
        "metadata": request.metadata,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
