"""sequence-generation: GenerateReflectSequence for the app SDK, and the light sequence checked against
its MD5 and kept in our bucket before the app gets it."""

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

from faceid_relay.errors import ProviderMediaUnavailable
from faceid_relay.faceid import FaceId
from faceid_relay.flows.resources import resolve_resource
from faceid_relay.models.records import result_media_key
from faceid_relay.models.requests import SequenceRequest
from faceid_relay.models.responses import SequenceResponse
from faceid_relay.models.rules import Action, Purpose
from faceid_relay.settings import Settings
from faceid_relay.storage import Storage

MAX_SEQUENCE_BYTES = 16 * 1024 * 1024
SEQUENCE_FILE = "sequence.bin"
SEQUENCE_CONTENT_TYPE = "application/octet-stream"


def generate_sequence(
    request: SequenceRequest, settings: Settings, storage: Storage, faceid: FaceId
) -> SequenceResponse:
    device_data = resolve_resource(
        key=request.device_data_key,
        url=request.device_data_url,
        md5=request.device_data_md5,
        purpose=Purpose.DEVICE_DATA,
        field="deviceData",
        settings=settings,
        storage=storage,
    )
    answer = faceid.call(
        Action.GenerateReflectSequence,
        {
            "DeviceDataUrl": device_data.url,
            "DeviceDataMd5": device_data.md5,
            "SecurityLevel": request.security_level,
        },
    )
    sequence = storage.fetch_url(answer["ReflectSequenceUrl"], MAX_SEQUENCE_BYTES)
    md5 = hashlib.md5(sequence, usedforsecurity=False).hexdigest()
    if md5 != str(answer["ReflectSequenceMd5"]).lower():
        raise ProviderMediaUnavailable(
            "FaceID's light sequence arrived damaged (MD5 mismatch). Retry the request."
        )
    key = result_media_key(f"sequence-{uuid.uuid4().hex}", SEQUENCE_FILE)
    storage.create(key, sequence, SEQUENCE_CONTENT_TYPE)
    return SequenceResponse(
        reflect_sequence_url=storage.presign_download_for_client(
            key, settings.result_url_ttl, content_type=SEQUENCE_CONTENT_TYPE, filename=SEQUENCE_FILE
        ),
        reflect_sequence_md5=md5,
        expires_at=datetime.now(timezone.utc) + timedelta(seconds=settings.result_url_ttl),
        request_id=str(answer.get("RequestId", "")),
    )
