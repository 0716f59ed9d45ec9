"""POST /uploads — a presigned PUT into this region's bucket (or FaceID's own CreateUploadUrl)."""

from faceid_relay.flows.uploads import CREATE_UPLOAD_ERRORS, create_upload
from faceid_relay.http_api import BODY_ERRORS
from faceid_relay.models.requests import CreateUploadRequest
from faceid_relay.models.responses import BucketUpload, FaceIdUpload
from faceid_relay.runtime import http_function

fn = http_function()
app = fn.app


@app.post(
    "/uploads",
    responses=fn.responses(
        BucketUpload | FaceIdUpload, "Where and how to upload.", errors=(*BODY_ERRORS, *CREATE_UPLOAD_ERRORS)
    ),
)
def presign_upload(request: CreateUploadRequest) -> BucketUpload | FaceIdUpload:
    return create_upload(request, fn.settings, fn.storage, fn.faceid)


handler = fn.handler
