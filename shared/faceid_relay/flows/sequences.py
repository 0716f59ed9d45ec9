"""sequence-generation: GenerateReflectSequence for the app SDK, and the light sequence checked against
its MD5 and kept in our bucket before the app gets it."""

import uuid
from datetime import datetime, timedelta, timezone

from faceid_relay.errors import ProviderMediaUnavailable, RelayError
from faceid_relay.faceid import PROVIDER_DOWNLOAD_ERRORS, PROVIDER_ERRORS
from faceid_relay.flows.media import ResultFile, copy_provider_media
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.flows.resources import RESOURCE_ERRORS, resolve_resource
from faceid_relay.models.requests import SequenceRequest
from faceid_relay.models.responses import SequenceResponse
from faceid_relay.settings import Settings
from faceid_relay.storage import STORAGE_ERRORS

SEQUENCE_FILE = ResultFile("sequence.bin", "application/octet-stream", 16 * 1024 * 1024, "light sequence")
SEQUENCE_ERRORS: tuple[type[RelayError], ...] = (
    *RESOURCE_ERRORS,
    *PROVIDER_ERRORS,
    *PROVIDER_DOWNLOAD_ERRORS,
    ProviderMediaUnavailable,
    *STORAGE_ERRORS,
)


def generate_sequence(
    request: SequenceRequest, settings: Settings, storage: Bucket, faceid: FaceIdApi
) -> SequenceResponse:
    device_data = resolve_resource(request.device_data, settings, storage)
    answer = faceid.generate_reflect_sequence(device_data, request.security_level)
    stored = copy_provider_media(storage, answer.sequence, f"sequence-{uuid.uuid4().hex}", SEQUENCE_FILE)
    return SequenceResponse(
        reflect_sequence_url=storage.presign_download_for_client(
            stored.key,
            settings.result_url_ttl,
            content_type=SEQUENCE_FILE.content_type,
            filename=SEQUENCE_FILE.name,
        ),
        reflect_sequence_md5=stored.md5,
        expires_at=datetime.now(timezone.utc) + timedelta(seconds=settings.result_url_ttl),
        request_id=answer.request_id,
    )
