"""How an app backend, a client and a browser meet the functions under `sam local start-lambda`: each API call
is the function's sample Lambda event with this call's body or BizToken; uploads and FaceID's page are
plain HTTP to the local cloud's ports on 127.0.0.1."""

import json
from dataclasses import dataclass
from typing import Any

import requests

from deploy.samlocal.lambdas import WarmFunctions, function_name
from deploy.samlocal.probes import http_event, with_biz_token, with_body, with_header
from tests.integration.relay import md5_hex


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any


class SamRelay:
    def __init__(self, functions: WarmFunctions) -> None:
        self.functions = functions

    def call(
        self,
        job: str,
        body: dict[str, Any] | None = None,
        biz_token: str | None = None,
        shape: str = "lambda-v2",
        accept: str | None = None,
    ) -> Answer:
        event = http_event(job, shape)
        if accept is not None:
            event = with_header(event, "accept", accept)
        if body is not None:
            event = with_body(event, body)
        if biz_token is not None:
            event = with_biz_token(event, biz_token)
        payload = self.functions.invoke(function_name(job), event)
        headers = {name.lower(): value for name, value in (payload.get("headers") or {}).items()}
        text = payload.get("body") or ""
        is_json = headers.get("content-type", "").startswith("application/json")
        return Answer(payload["statusCode"], headers, json.loads(text) if is_json else text)

    def upload(self, purpose: str, data: bytes, content_type: str) -> str:
        """presign_upload, then the client's PUT; returns the object key."""
        answer = self.call(
            "presign_upload",
            {"purpose": purpose, "size": len(data), "contentType": content_type, "md5": md5_hex(data)},
        )
        assert answer.status == 200, answer.body
        put = requests.put(answer.body["uploadUrl"], data=data, headers=answer.body["headers"], timeout=30)
        assert put.status_code == 200, put.text
        return str(answer.body["key"])
