"""POST /verifications/{bizToken}/cancel and /redact, POST /liveness-comparisons/{id}/redact — the app
backend stops a pending verification, or erases what identifies the person once it is over. A function of
its own: the one allowed to redact (delete results, compare images and their records), and it calls no
FaceID action."""

import faceid_relay.loading  # noqa: F401 - first of all: see faceid_relay/startup.py

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from faceid_relay.flows.lifecycle import (
    CANCEL_ERRORS,
    REDACT_COMPARISON_ERRORS,
    REDACT_ERRORS,
    cancel_verification,
    redact_liveness_comparison,
    redact_verification,
)
from faceid_relay.flows.ports import Bucket, WebhookReceiver
from faceid_relay.http_api import PATH_ERRORS
from faceid_relay.models.responses import LivenessComparison, VerificationResult
from faceid_relay.runtime import http_function

fn = http_function()
app = fn.app
BizTokenPath = Annotated[
    str, Path(alias="bizToken", max_length=64, description="The bizToken POST /verifications returned.")
]


@app.post(
    "/verifications/<bizToken>/cancel",
    responses=fn.responses(
        VerificationResult, "Canceled (also when it already was).", errors=(*PATH_ERRORS, *CANCEL_ERRORS)
    ),
)
def cancel(
    biz_token: BizTokenPath,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    webhooks: Annotated[WebhookReceiver | None, Depends(fn.webhook_receiver)],
) -> VerificationResult:
    return cancel_verification(biz_token, fn.settings, storage, webhooks)


@app.post(
    "/verifications/<bizToken>/redact",
    responses=fn.responses(
        VerificationResult, "Redacted (also when it already was).", errors=(*PATH_ERRORS, *REDACT_ERRORS)
    ),
)
def redact(
    biz_token: BizTokenPath,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    webhooks: Annotated[WebhookReceiver | None, Depends(fn.webhook_receiver)],
) -> VerificationResult:
    return redact_verification(biz_token, fn.settings, storage, webhooks)


@app.post(
    "/liveness-comparisons/<id>/redact",
    responses=fn.responses(
        LivenessComparison,
        "Redacted (also when it already was).",
        errors=(*PATH_ERRORS, *REDACT_COMPARISON_ERRORS),
    ),
)
def redact_comparison(
    comparison_id: Annotated[
        str, Path(alias="id", max_length=64, description="The id POST /liveness-comparisons returned.")
    ],
    storage: Annotated[Bucket, Depends(fn.bucket)],
) -> LivenessComparison:
    return redact_liveness_comparison(comparison_id, storage)


handler = fn.handler
