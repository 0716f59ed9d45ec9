"""POST /verifications/{bizToken}/cancel and /redact — the app backend stops a pending verification, or
erases what identifies the person once it is over. Its own function: the only one allowed to delete
results, and it calls no FaceID action."""

from faceid_relay.flows.lifecycle import cancel_verification, redact_verification
from faceid_relay.http_api import documented_responses
from faceid_relay.models.responses import VerificationResult
from faceid_relay.runtime import http_function

fn = http_function()
app = fn.app


@app.post(
    "/verifications/<biz_token>/cancel",
    responses=documented_responses(VerificationResult, "Canceled (also when it already was)."),
)
def cancel(biz_token: str) -> VerificationResult:
    return cancel_verification(biz_token, fn.settings, fn.storage, fn.webhooks)


@app.post(
    "/verifications/<biz_token>/redact",
    responses=documented_responses(VerificationResult, "Redacted (also when it already was)."),
)
def redact(biz_token: str) -> VerificationResult:
    return redact_verification(biz_token, fn.settings, fn.storage, fn.webhooks)


handler = fn.handler
