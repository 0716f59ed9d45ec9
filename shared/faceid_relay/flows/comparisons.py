"""liveness-compare: DetectReflectLivenessAndCompare on the live data and a compare image, the best
frame (FaceID keeps it 2 h) copied into results/ after its MD5 checks out, and a pass verdict."""

import uuid

from faceid_relay.errors import InvalidRequest
from faceid_relay.flows.media import copy_provider_media
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.flows.resources import resolve_resource
from faceid_relay.models.records import result_media_key
from faceid_relay.models.requests import LivenessComparisonRequest
from faceid_relay.models.responses import LivenessComparisonResponse
from faceid_relay.settings import Settings

MAX_BEST_FRAME_BYTES = 8 * 1024 * 1024


def compare_liveness(
    request: LivenessComparisonRequest, settings: Settings, storage: Bucket, faceid: FaceIdApi
) -> LivenessComparisonResponse:
    live_data = resolve_resource(request.live_data, settings, storage)
    image = resolve_resource(request.image, settings, storage)
    if live_data.url == image.url:
        raise InvalidRequest(
            "The live data and the compare image must be two different resources.", field="imageKey"
        )
    verdict = faceid.detect_reflect_liveness_and_compare(live_data, image)
    similarity = verdict.similarity or 0.0
    best_frame = None
    if verdict.succeeded and verdict.best_frame is not None:
        best_frame = copy_provider_media(
            storage,
            verdict.best_frame,
            key=result_media_key(f"comparison-{uuid.uuid4().hex}", "best-frame.jpg"),
            content_type="image/jpeg",
            max_bytes=MAX_BEST_FRAME_BYTES,
            what="best frame",
        )
    return LivenessComparisonResponse(
        result=verdict.result,
        description=verdict.description,
        similarity=similarity,
        passed=verdict.succeeded and similarity >= settings.pass_threshold,
        best_frame=best_frame,
        request_id=verdict.request_id,
    )
