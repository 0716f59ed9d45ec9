"""liveness-compare: DetectReflectLivenessAndCompare on the live data and a compare image, the best
frame (FaceID keeps it 2 h) copied into results/ after its MD5 checks out, and a pass verdict."""

import hashlib
import uuid

from faceid_relay.errors import InvalidRequest, ProviderMediaUnavailable
from faceid_relay.faceid import LIVENESS_VERDICT_CODES, FaceId
from faceid_relay.flows.resources import resolve_resource
from faceid_relay.models.records import result_media_key
from faceid_relay.models.requests import LivenessComparisonRequest
from faceid_relay.models.responses import LivenessComparisonResponse, StoredMedia
from faceid_relay.models.rules import Action, Purpose
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

MAX_BEST_FRAME_BYTES = 8 * 1024 * 1024
SUCCESS = "Success"


def compare_liveness(
    request: LivenessComparisonRequest, settings: Settings, storage: Storage, faceid: FaceId
) -> LivenessComparisonResponse:
    live_data = resolve_resource(
        key=request.live_data_key,
        url=request.live_data_url,
        md5=request.live_data_md5,
        purpose=Purpose.LIVE_DATA,
        field="liveData",
        settings=settings,
        storage=storage,
    )
    image = resolve_resource(
        key=request.image_key,
        url=request.image_url,
        md5=request.image_md5,
        purpose=Purpose.COMPARE_IMAGE,
        field="image",
        settings=settings,
        storage=storage,
    )
    if live_data.url == image.url:
        raise InvalidRequest(
            "The live data and the compare image must be two different resources.", field="imageKey"
        )
    answer = faceid.call(
        Action.DetectReflectLivenessAndCompare,
        {
            "LiveDataUrl": live_data.url,
            "LiveDataMd5": live_data.md5,
            "ImageUrl": image.url,
            "ImageMd5": image.md5,
        },
        verdicts=LIVENESS_VERDICT_CODES,
    )
    result = str(answer.get("Result", ""))
    similarity = float(answer.get("Sim") or 0.0)
    best_frame = (
        _keep_best_frame(answer, storage) if result == SUCCESS and answer.get("BestFrameUrl") else None
    )
    return LivenessComparisonResponse(
        result=result,
        description=str(answer.get("Description", "")),
        similarity=similarity,
        passed=result == SUCCESS and similarity >= settings.pass_threshold,
        best_frame=best_frame,
        request_id=str(answer.get("RequestId", "")),
    )


def _keep_best_frame(answer: dict[str, object], storage: Storage) -> StoredMedia:
    frame = storage.fetch_url(str(answer["BestFrameUrl"]), MAX_BEST_FRAME_BYTES)
    md5 = hashlib.md5(frame, usedforsecurity=False).hexdigest()
    if md5 != str(answer.get("BestFrameMd5", "")).lower():
        raise ProviderMediaUnavailable(
            "FaceID's best frame arrived damaged (MD5 mismatch). Retry the request."
        )
    key = result_media_key(f"comparison-{uuid.uuid4().hex}", "best-frame.jpg")
    storage.create(key, frame, "image/jpeg")
    return StoredMedia(key=key, md5=md5, size=len(frame))
