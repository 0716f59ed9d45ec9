"""GET /verifications/{bizToken} — the stored result for the app backend (the truth; the redirect is UX),
with short-lived links to the stored media."""

from faceid_relay.flows.results import read_verification_result
from faceid_relay.http_api import documented_responses
from faceid_relay.models.responses import VerificationResult
from faceid_relay.runtime import http_function

fn = http_function(lambda settings: [settings.web_actions.read_result])
app = fn.app


@app.get("/verifications/<biz_token>", responses=documented_responses(VerificationResult, "The result."))
def read_verification(biz_token: str) -> VerificationResult:
    return read_verification_result(biz_token, fn.settings, fn.storage, fn.faceid)


handler = fn.handler
