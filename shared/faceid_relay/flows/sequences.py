"""sequence-generation: GenerateReflectSequence for the app SDK, and the light sequence checked against
its MD5 and kept in our bucket before the app gets it."""

import uuid
from datetime import datetime, timedelta, timezone

from faceid_relay.flows.media import copy_provider_media
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.flows.resources import resolve_resource
from faceid_relay.models.records import result_media_key
from faceid_relay.models.requests import SequenceRequest
from faceid_relay.models.responses import SequenceResponse
from faceid_relay.settings import Settings

MAX_SEQUENCE_BYTES = 16 * 1024 * 1024
SEQUENCE_FILE = "sequence.bin"
SEQUENCE_CONTENT_TYPE = "application/octet-stream"


def generate_sequence(
    request: SequenceRequest, settings: Settings, storage: Bucket, faceid: FaceIdApi
) -> SequenceResponse:
    device_data = resolve_resource(request.device_data, settings, storage)
    answer = faceid.generate_reflect_sequence(device_data, request.security_level)
    stored = copy_provider_media(
        storage,
        answer.sequence,
        key=result_media_key(f"sequence-{uuid.uuid4().hex}", SEQUENCE_FILE),
        content_type=SEQUENCE_CONTENT_TYPE,
        max_bytes=MAX_SEQUENCE_BYTES,
        what="light sequence",
    )
    return SequenceResponse(
        reflect_sequence_url=storage.presign_download_for_client(
            stored.key, settings.result_url_ttl, content_type=SEQUENCE_CONTENT_TYPE, filename=SEQUENCE_FILE
        ),
        reflect_sequence_md5=stored.md5,
        expires_at=datetime.now(timezone.utc) + timedelta(seconds=settings.result_url_ttl),
        request_id=answer.request_id,
    )
