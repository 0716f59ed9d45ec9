"""POST /liveness-comparisons — DetectReflectLivenessAndCompare; the best frame is kept in results/."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from faceid_relay.flows.comparisons import compare_liveness
from faceid_relay.flows.ports import Bucket, FaceIdApi
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
def create_liveness_comparison(
    request: LivenessComparisonRequest,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
) -> LivenessComparisonResponse:
    return compare_liveness(request, fn.settings, storage, faceid)


handler = fn.handler
