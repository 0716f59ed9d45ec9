"""POST /verifications — a web-verification BizToken for the app's compare image, with a session record.
A retried request with the same Idempotency-Key gets the same BizToken."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header

from faceid_relay.flows.issuing import issue_verification_token
from faceid_relay.http_api import documented_responses
from faceid_relay.models.requests import VerificationRequest
from faceid_relay.models.responses import VerificationResponse
from faceid_relay.runtime import http_function

fn = http_function(lambda settings: [settings.web_actions.issue])
app = fn.app


@app.post(
    "/verifications",
    responses=documented_responses(VerificationResponse, "The BizToken."),
)
def create_verification(
    request: VerificationRequest,
    idempotency_key: Annotated[str | None, Header(alias="idempotency-key")] = None,
) -> VerificationResponse:
    return issue_verification_token(request, idempotency_key, fn.settings, fn.storage, fn.faceid)


handler = fn.handler
