"""What every function answers before it needs the network, with each Lambda event shape it receives:
its first invoke, a request without the app token, and a request with one field wrong."""

import json
import re
from typing import Any

import pytest

from deploy.samlocal import ROOT
from deploy.samlocal.lambdas import Invocation, WarmFunctions, function_name
from deploy.samlocal.probes import HTTP_JOBS, LAMBDA_SHAPES, cold_probes, http_event, without_app_token
from tests.samlocal.relay import SamRelay

UNAUTHORIZED = {
    "code": "Unauthorized",
    "message": "The app token is missing or wrong. Send it as 'Authorization: Bearer <token>'.",
}
# One wrong field per function, in a body or the BizToken, and the field the answer must name.
IMAGE_KEY = "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10"
BAD_REQUESTS: dict[str, tuple[dict[str, Any], str]] = {
    "presign_upload": ({"body": {"purpose": "selfie", "size": 10, "contentType": "image/jpeg"}}, "purpose"),
    "sequence_generation": (
        {"body": {"deviceDataKey": "uploads/device-data/x", "securityLevel": "9"}},
        "securityLevel",
    ),
    "liveness_compare": ({"body": {"liveDataKey": "", "imageKey": IMAGE_KEY}}, "liveDataKey"),
    "token_issuance": (
        {"body": {"compareImageKey": IMAGE_KEY, "returnUrl": "https://app.example.com/", "reference": "a b"}},
        "reference",
    ),
    "result_read": ({"biz_token": "not-a-biz-token"}, "bizToken"),
    # Browsers get a page (the sample's Accept header is a browser's); a client asking for JSON, the field.
    "redirect_callback": ({"biz_token": "not-a-biz-token", "accept": "application/json"}, "bizToken"),
    "verification_lifecycle": ({"biz_token": "not-a-biz-token"}, "bizToken"),
}


def test_every_function_of_the_template_gets_a_first_invoke() -> None:
    template = (ROOT / "template.yaml").read_text()
    functions = re.findall(r"^  (\w+):\n    Type: AWS::Serverless::Function$", template, re.MULTILINE)

    assert sorted(cold_probes()) == sorted(functions)


def test_each_first_invoke_is_answered_without_the_network(cold_starts: dict[str, Invocation]) -> None:
    answers = {name: invocation.payload for name, invocation in cold_starts.items()}

    for job in HTTP_JOBS:
        if job != "redirect_callback":
            assert answers[function_name(job)]["statusCode"] == 401
    # The callback's sample comes from a browser: its 400 is a page.
    callback = answers["RedirectCallback"]
    assert (callback["statusCode"], callback["headers"]["Content-Type"]) == (400, "text/html; charset=utf-8")
    # A COS event for an object outside uploads/ (e.g. our own results) is ignored, not hashed.
    assert answers["HashOnUpload"]["recorded"] == []
    assert "error" in answers["LifecycleSweeper"]
    assert all(invocation.duration_ms > 0 for invocation in cold_starts.values())


@pytest.mark.parametrize("shape", LAMBDA_SHAPES)
@pytest.mark.parametrize("job", [job for job in HTTP_JOBS if job != "redirect_callback"])
def test_a_request_without_the_app_token_is_refused(functions: WarmFunctions, job: str, shape: str) -> None:
    payload = functions.invoke(function_name(job), without_app_token(http_event(job, shape)))

    assert payload["statusCode"] == 401
    assert payload["headers"]["WWW-Authenticate"] == "Bearer"
    assert json.loads(payload["body"]) == UNAUTHORIZED


@pytest.mark.parametrize("shape", LAMBDA_SHAPES)
@pytest.mark.parametrize("job", HTTP_JOBS)
def test_a_wrong_field_is_named_in_a_400(functions: WarmFunctions, job: str, shape: str) -> None:
    change, field = BAD_REQUESTS[job]

    answer = SamRelay(functions).call(job, shape=shape, **change)

    assert answer.status == 400
    assert answer.body["field"] == field
    assert answer.body["code"] in ("InvalidRequest", "InvalidToken")
