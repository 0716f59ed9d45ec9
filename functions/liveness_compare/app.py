"""POST /liveness-comparisons — DetectReflectLivenessAndCompare, stored once (best frame in results/);
GET /liveness-comparisons/{id} reads it again. A retried POST with the same Idempotency-Key gets the same."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends
from aws_lambda_powertools.event_handler.openapi.params import Path

from faceid_relay.flows.comparisons import (
    COMPARE_ERRORS,
    READ_COMPARISON_ERRORS,
    compare_liveness,
    read_liveness_comparison,
)
from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.http_api import PATH_ERRORS, IdempotencyKey
from faceid_relay.models.requests import LivenessComparisonRequest
from faceid_relay.models.responses import LivenessComparison
from faceid_relay.models.rules import Action
from faceid_relay.runtime import http_function

fn = http_function([Action.DetectReflectLivenessAndCompare])
app = fn.app


@app.post(
    "/liveness-comparisons",
    responses=fn.responses(LivenessComparison, "The comparison, stored.", errors=COMPARE_ERRORS),
)
def create_liveness_comparison(
    request: LivenessComparisonRequest,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
    idempotency_key: IdempotencyKey = None,
) -> LivenessComparison:
    return compare_liveness(request, idempotency_key, fn.settings, storage, faceid)


@app.get(
    "/liveness-comparisons/<id>",
    responses=fn.responses(
        LivenessComparison, "The comparison.", errors=(*PATH_ERRORS, *READ_COMPARISON_ERRORS)
    ),
)
def read_liveness_comparison_by_id(
    comparison_id: Annotated[
        str, Path(alias="id", max_length=64, description="The id POST /liveness-comparisons returned.")
    ],
    storage: Annotated[Bucket, Depends(fn.bucket)],
) -> LivenessComparison:
    return read_liveness_comparison(comparison_id, fn.settings, storage)


handler = fn.handler
