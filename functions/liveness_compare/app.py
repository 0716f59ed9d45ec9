"""POST /liveness-comparisons — DetectReflectLivenessAndCompare; the best frame is kept in results/."""

from faceid_relay.flows.comparisons import compare_liveness
from faceid_relay.http_api import documented_responses
from faceid_relay.models.requests import LivenessComparisonRequest
from faceid_relay.models.responses import LivenessComparisonResponse
from faceid_relay.models.rules import Action
from faceid_relay.runtime import http_function

fn = http_function([Action.DetectReflectLivenessAndCompare])
app = fn.app


@app.post(
    "/liveness-comparisons",
    responses=documented_responses(LivenessComparisonResponse, "The verdict."),
)
def create_liveness_comparison(request: LivenessComparisonRequest) -> LivenessComparisonResponse:
    return compare_liveness(request, fn.settings, fn.storage, fn.faceid)


handler = fn.handler
