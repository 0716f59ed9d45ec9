"""Lambda events for `make sam-local`, made from the samples in events/ so every shape stays the one the
platform sends: with another body, another token, or no app token. And each function's first invoke: a path
that needs no network (401, 400, a key hash-on-upload ignores, an event that is no schedule), so its
Duration is the cold start."""

import copy
import json
from typing import Any

from deploy.samlocal.lambdas import Invocation, WarmFunctions, function_name, sample_event

HTTP_JOBS = (
    "presign_upload",
    "sequence_generation",
    "liveness_compare",
    "token_issuance",
    "redirect_callback",
    "result_read",
    "verification_lifecycle",
)
LAMBDA_SHAPES = ("lambda-v1", "lambda-v2", "lambda-url")
# The BizToken in the samples' paths and queries (events/result_read.*, events/redirect_callback.*).
SAMPLE_BIZ_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"  # noqa: S105 - an example, not a secret


def http_event(job: str, shape: str = "lambda-v2") -> dict[str, Any]:
    return sample_event(f"{job}.{shape}.json")


def without_app_token(event: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    for field in ("headers", "multiValueHeaders"):
        headers = changed.get(field) or {}
        for name in [name for name in headers if name.lower() == "authorization"]:
            del headers[name]
    return changed


def with_header(event: dict[str, Any], name: str, value: str) -> dict[str, Any]:
    """The sample with one request header replaced (single- and multi-value forms alike)."""
    changed = copy.deepcopy(event)
    for field, new in (("headers", value), ("multiValueHeaders", [value])):
        headers = changed.get(field)
        if headers is None:
            continue
        for existing in [existing for existing in headers if existing.lower() == name.lower()]:
            del headers[existing]
        headers[name] = new
    return changed


def with_body(event: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["body"] = json.dumps(body)
    changed["isBase64Encoded"] = False
    for field, size in (
        ("headers", str(len(changed["body"]))),
        ("multiValueHeaders", [str(len(changed["body"]))]),
    ):
        headers = changed.get(field) or {}
        for name in [name for name in headers if name.lower() == "content-length"]:
            headers[name] = size
    return changed


def with_biz_token(event: dict[str, Any], biz_token: str) -> dict[str, Any]:
    """The sample with another BizToken wherever it names one (path, path parameters, query)."""
    changed: dict[str, Any] = json.loads(json.dumps(event).replace(SAMPLE_BIZ_TOKEN, biz_token))
    return changed


def cos_event(key: str, size: int) -> dict[str, Any]:
    """events/hash_on_upload.scf-cos.json for another object of the same bucket (how an SCF COS trigger, or
    someone re-hashing by hand on Lambda, invokes HashOnUpload)."""
    event = sample_event("hash_on_upload.scf-cos.json")
    cos = event["Records"][0]["cos"]
    sample_key = cos["cosObject"]["key"].split("/", 3)[3]
    cos["cosObject"]["key"] = cos["cosObject"]["key"].replace(sample_key, key)
    cos["cosObject"]["url"] = cos["cosObject"]["url"].replace(sample_key, key)
    cos["cosObject"]["size"] = size
    return event


OUTSIDE_UPLOADS_KEY = "results/not-an-upload.jpg"
NOT_A_SCHEDULE = {"detail-type": "Object Created", "source": "aws.s3"}
OVERLONG_TOKEN = "X" * 65  # GET /callback takes at most 64 characters


def cold_probes() -> dict[str, dict[str, Any]]:
    """Each function's first event: answered without any network call."""
    probes = {job: without_app_token(http_event(job)) for job in HTTP_JOBS if job != "redirect_callback"}
    # Browsers call the callback without a token of ours; a malformed BizToken is refused before any call.
    probes["redirect_callback"] = with_biz_token(http_event("redirect_callback"), OVERLONG_TOKEN)
    probes["hash_on_upload"] = cos_event(OUTSIDE_UPLOADS_KEY, 5)
    # The schedule's sweeper refuses any other event before it looks at the bucket.
    probes["lifecycle_sweeper"] = NOT_A_SCHEDULE
    return {function_name(job): event for job, event in probes.items()}


def cold_invokes(functions: WarmFunctions) -> dict[str, Invocation]:
    """Every function's first invoke (its cold start), in template order, before anything else reaches it."""
    return {name: functions.invoke_reported(name, event) for name, event in cold_probes().items()}
