"""P5 per-request overhead: each HTTP function's handler called in this process with its sample event
(lambda-v2 and scf-url), its bucket and FaceID dependencies overridden with the fakes of tests/fakes.py, so
p50/p99 time the adapter, app token, validation, routing, flow and response shaping, never the network; the
reference resolver is timed the same way.

Every answer is one a real deployment could give for the sample events: the uploads are recorded, the sample
session is final (so the callback and result_read read it instead of calling FaceID), media MD5s match, and
writes are forgotten so each call takes the path of a first request."""

import copy
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench import reference_app
from bench.cloud import PHOTO, BenchCloud
from bench.cold_child import load_module
from bench.common import BenchError, Result, Row, Target, median, percentile, progress, ratio, times
from bench.events import (
    EXPECTED_STATUS,
    HTTP_FUNCTIONS,
    SAMPLE_BIZ_TOKEN,
    SAMPLE_COMPARE_IMAGE_KEY,
    SAMPLE_DEVICE_DATA_KEY,
    SAMPLE_LIVE_DATA_KEY,
    SAMPLE_RETURN_URL,
    RealValues,
    http_event,
    sample_event,
)
from faceid_relay.faceid import (
    IssuedWebVerification,
    LivenessVerdict,
    ReflectSequence,
    WebVerificationOutcome,
)
from faceid_relay.flows.issuing import issue_verification_token
from faceid_relay.flows.results import finish_verification
from faceid_relay.models.requests import VerificationRequest
from localcloud.gateway import FUNCTIONS_DIR, EventShape, make_context
from tests.fakes import FakeBucket, FakeFaceId, media_link
from tests.fakes import settings as fake_settings

SHAPES = (EventShape.LAMBDA_V2, EventShape.SCF_URL)
WARMUP_CALLS = 100
P50_TARGET = Target(2.0, unit=" ms")
P99_TARGET = Target(5.0, unit=" ms")

# What the app SDK uploads as device and live data: opaque binary.
SDK_DATA = bytes(range(256)) * 16

Handler = Callable[[Any, Any], dict[str, Any]]


def sample_bucket() -> FakeBucket:
    """The sample events' uploads recorded, and the sample BizToken issued and finished (passed) by the flows
    themselves; later writes are forgotten."""
    bucket = FakeBucket()
    bucket.put_upload(SAMPLE_COMPARE_IMAGE_KEY, PHOTO, "image/jpeg")
    bucket.put_upload(SAMPLE_DEVICE_DATA_KEY, SDK_DATA, "application/octet-stream")
    bucket.put_upload(SAMPLE_LIVE_DATA_KEY, SDK_DATA, "application/octet-stream")
    faceid = sample_faceid(bucket)
    faceid.outcome = WebVerificationOutcome("passed", 0, "Success", media={"bestFrame": PHOTO})
    request = VerificationRequest(return_url=SAMPLE_RETURN_URL, reference="order-1234")
    issue_verification_token(request, None, fake_settings(), bucket, faceid)
    finish_verification(SAMPLE_BIZ_TOKEN, fake_settings(), bucket, faceid)
    bucket.keep_writes = False
    return bucket


def sample_faceid(bucket: FakeBucket) -> FakeFaceId:
    """FaceID answering each action the sample events lead to, its media served by `bucket`."""
    return FakeFaceId(
        sequence=ReflectSequence(media_link(bucket, PHOTO, "sequence"), request_id="fake"),
        verdict=LivenessVerdict("Success", "Success", 95.0, media_link(bucket, PHOTO, "best-frame"), "fake"),
        issued=IssuedWebVerification(SAMPLE_BIZ_TOKEN, f"https://faceid.example/verify/{SAMPLE_BIZ_TOKEN}"),
    )


def faked_handler(function: str) -> Handler:
    """A fresh import of the function, its bucket and FaceID dependencies overridden with the fakes."""
    module: Any = load_module(f"bench_{function}_app", str(FUNCTIONS_DIR / function / "app.py"))
    bucket = sample_bucket()
    faceid = sample_faceid(bucket)
    module.app.dependency_overrides[module.fn.bucket] = lambda: bucket
    module.app.dependency_overrides[module.fn.faceid_api] = lambda: faceid
    handler: Handler = module.handler
    return handler


def timings(handler: Handler, event: dict[str, Any], context: Any, calls: int, status: int) -> list[float]:
    """Milliseconds per call, after warm-up calls; each call gets its own copy of the event, made untimed."""
    answer = handler(copy.deepcopy(event), context)
    if answer.get("statusCode") != status:
        raise BenchError(f"expected {status}, got {str(answer)[:500]}")
    for _ in range(WARMUP_CALLS):
        handler(copy.deepcopy(event), context)
    samples = []
    for _ in range(calls):
        fresh = copy.deepcopy(event)
        started = time.perf_counter_ns()
        handler(fresh, context)
        samples.append((time.perf_counter_ns() - started) / 1e6)
    return samples


def figures(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": median(samples), "p99_ms": percentile(samples, 0.99), "max_ms": max(samples)}


def reference_figures(calls: int) -> dict[str, float]:
    module = load_module("bench_reference_app", reference_app.__file__)
    function, shape = reference_app.REFERENCE_EVENT
    context = make_context(EventShape(shape), "reference", str(uuid.uuid4()))
    return figures(timings(module.handler, sample_event(function, shape), context, calls, 200))


def row(function: str, shape: EventShape, ours: dict[str, float], reference: dict[str, float]) -> Row:
    verdicts = [
        f"{name} {target.verdict(ours[key])}"
        for name, key, target in (("p50", "p50_ms", P50_TARGET), ("p99", "p99_ms", P99_TARGET))
        if target.shortfall(ours[key])
    ]
    return Row(
        "P5",
        f"per-request overhead {function} ({shape})",
        f"p50 {ours['p50_ms']:.2f} / p99 {ours['p99_ms']:.2f} ms",
        f"{reference_app.REFERENCE_NAME} p50 {reference['p50_ms']:.2f} / p99 {reference['p99_ms']:.2f} ms",
        f"{times(ratio(ours['p50_ms'], reference['p50_ms']), 1)} / "
        f"{times(ratio(ours['p99_ms'], reference['p99_ms']), 1)}",
        f"p50 {P50_TARGET}, p99 {P99_TARGET}",
        "; ".join(verdicts) or "met",
    )


def run(cloud: BenchCloud, calls: int) -> Result:
    # The sample events as they are, but for a returnUrl this deployment allows.
    values = RealValues(
        SAMPLE_COMPARE_IMAGE_KEY,
        SAMPLE_DEVICE_DATA_KEY,
        SAMPLE_LIVE_DATA_KEY,
        cloud.return_url,
    )
    progress(f"P5 overhead: reference, {calls} calls")
    reference = reference_figures(calls)
    result = Result("P5", data={"calls": calls, "reference": reference})
    for function in HTTP_FUNCTIONS:
        handler = faked_handler(function)
        for shape in SHAPES:
            progress(f"P5 overhead: {function} ({shape}), {calls} calls")
            context = make_context(shape, function, str(uuid.uuid4()))
            event = http_event(function, shape, values)
            ours = figures(timings(handler, event, context, calls, EXPECTED_STATUS[function]))
            result.data[f"{function}.{shape}"] = ours
            result.rows.append(row(function, shape, ours, reference))
    return result
