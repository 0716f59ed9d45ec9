"""POST /uploads — a presigned PUT into this region's bucket (or FaceID's own CreateUploadUrl)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Depends

from faceid_relay.flows.ports import Bucket, FaceIdApi
from faceid_relay.flows.uploads import CREATE_UPLOAD_ERRORS, create_upload
from faceid_relay.models.requests import CreateUploadRequest
from faceid_relay.models.responses import BucketUpload, FaceIdUpload
from faceid_relay.runtime import http_function

fn = http_function()
app = fn.app


@app.post(
    "/uploads",
    responses=fn.responses(
        BucketUpload | FaceIdUpload, "Where and how to upload.", errors=CREATE_UPLOAD_ERRORS
    ),
)
def presign_upload(
    request: CreateUploadRequest,
    storage: Annotated[Bucket, Depends(fn.bucket)],
    faceid: Annotated[FaceIdApi, Depends(fn.faceid_api)],
) -> BucketUpload | FaceIdUpload:
    return create_upload(request, fn.settings, storage, faceid)


handler = fn.handler
