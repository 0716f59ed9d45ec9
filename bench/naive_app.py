"""The naive peer for cold start (P2): what a developer writes first with the same four libraries, installed
by a plain `pip install --target` (pip's bytecode). One validated route; clients made at init; the route
makes the first provider call the measured function makes (BENCH_NAIVE_CALL=cos: a HEAD of the object;
none: no call, as presign_upload only signs)."""

import os
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from pydantic import BaseModel
from qcloud_cos import CosConfig, CosS3Client
from tencentcloud.common import credential
from tencentcloud.faceid.v20180301 import faceid_client

env = os.environ
secret_id, secret_key = env["TENCENTCLOUD_SECRETID"], env["TENCENTCLOUD_SECRETKEY"]
endpoint = urlsplit(env["RELAY_COS_ENDPOINT"])  # the local cloud, as the functions reach it
cos = CosS3Client(
    CosConfig(
        Scheme=endpoint.scheme,
        IP=endpoint.hostname,
        Port=endpoint.port,
        Region=env["RELAY_REGION"],
        SecretId=secret_id,
        SecretKey=secret_key,
        Token=env.get("TENCENTCLOUD_SESSIONTOKEN"),
    )
)
faceid = faceid_client.FaceidClient(
    credential.Credential(secret_id, secret_key, env.get("TENCENTCLOUD_SESSIONTOKEN")), env["RELAY_REGION"]
)
app = APIGatewayHttpResolver(enable_validation=True)


class Upload(BaseModel):
    key: str


@app.post("/naive")
def naive(upload: Upload) -> dict[str, Any]:
    if env.get("BENCH_NAIVE_CALL") == "cos":
        return {"etag": cos.head_object(Bucket=env["RELAY_BUCKET"], Key=upload.key)["ETag"]}
    return {"key": upload.key}


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
