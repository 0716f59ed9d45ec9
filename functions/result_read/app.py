"""GET /verifications/{bizToken} — the stored result for the app backend (the truth; the redirect is UX),
with short-lived links to the stored media."""

import faceid_relay.loading  # noqa: F401 - first of all: see faceid_relay/startup.py

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from faceid_relay.flows.ports import Bucket, FaceIdApi, WebhookReceiver
from faceid_relay.flows.results import RESULT_ERRORS, read_verification_result
from faceid_relay.http_api import PATH_ERRORS
from faceid_relay.models.responses import VerificationResult
from faceid_relay.runtime import http_function

fn = http_function(lambda settings: [settings.web_actions.read_result])
app = fn.app


@app.get(
    "/verifications/<bizToken>",
    responses=fn.responses(VerificationResult, "The result.", errors=(*PATH_ERRORS, *RESULT_ERRORS)),
)
def read_verification(
    biz_token: Annotated[
        str, Path(alias="bizToken", max_length=64, description="The bizToken POST /verifications returned.")
    ],
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
    webhooks: Annotated[WebhookReceiver | None, Depends(fn.webhook_receiver)],
) -> VerificationResult:
    return read_verification_result(biz_token, fn.settings, storage, faceid, webhooks)


handler = fn.handler
