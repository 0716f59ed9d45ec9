"""POST /sequences — GenerateReflectSequence for the app SDK; the light sequence comes back MD5-checked."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.flows.sequences import SEQUENCE_ERRORS, generate_sequence
from faceid_relay.models.requests import SequenceRequest
from faceid_relay.models.responses import SequenceResponse
from faceid_relay.models.rules import Action
from faceid_relay.runtime import http_function

fn = http_function([Action.GenerateReflectSequence])
app = fn.app


@app.post(
    "/sequences",
    responses=fn.responses(SequenceResponse, "The light sequence.", errors=SEQUENCE_ERRORS),
)
def create_sequence(
    request: SequenceRequest,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
) -> SequenceResponse:
    return generate_sequence(request, fn.settings, storage, faceid)


handler = fn.handler
