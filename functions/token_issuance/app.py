"""POST /verifications — a web-verification BizToken for the app's compare image, with a session record.
A retried request with the same Idempotency-Key gets the same BizToken."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from faceid_relay.flows.issuing import ISSUE_ERRORS, issue_verification_token
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.http_api import IdempotencyKey
from faceid_relay.models.requests import VerificationRequest
from faceid_relay.models.responses import VerificationResponse
from faceid_relay.runtime import http_function

fn = http_function(lambda settings: [settings.web_actions.issue])
app = fn.app


@app.post(
    "/verifications",
    responses=fn.responses(VerificationResponse, "The BizToken.", errors=ISSUE_ERRORS),
)
def create_verification(
    request: VerificationRequest,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
    idempotency_key: IdempotencyKey = None,
) -> VerificationResponse:
    return issue_verification_token(request, idempotency_key, fn.settings, storage, faceid)


handler = fn.handler
