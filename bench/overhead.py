"""P5 per-request overhead: each HTTP function's handler called in this process with its sample event
(lambda-v2 and scf-url), the Storage and FaceId it holds stubbed to answer at once, so p50/p99 time the
adapter, app token, validation, routing and response shaping; the reference resolver is timed the same way."""

import copy
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bench import reference_app
from bench.cloud import BenchCloud
from bench.cold_child import load_module
from bench.common import BenchError, Result, Row, Target, median, percentile, progress, ratio, times
from bench.events import (
    EXPECTED_STATUS,
    HTTP_FUNCTIONS,
    SAMPLE_COMPARE_IMAGE_KEY,
    SAMPLE_DEVICE_DATA_KEY,
    SAMPLE_LIVE_DATA_KEY,
    RealValues,
    http_event,
    sample_event,
)
from bench.stubs import StubFaceId, StubStorage
from localcloud.gateway import FUNCTIONS_DIR, EventShape, make_context

SHAPES = (EventShape.LAMBDA_V2, EventShape.SCF_URL)
WARMUP_CALLS = 100
P50_TARGET = Target(2.0, unit=" ms")
P99_TARGET = Target(5.0, unit=" ms")

Handler = Callable[[Any, Any], dict[str, Any]]


def stubbed_handler(function: str) -> Handler:
    """A fresh import of the function whose routes find the stubs: they read the module's `fn` per call."""
    module: Any = load_module(f"bench_{function}_app", str(FUNCTIONS_DIR / function / "app.py"))
    module.fn = replace(module.fn, storage=StubStorage(), faceid=StubFaceId())
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
        SAMPLE_COMPARE_IMAGE_KEY, SAMPLE_DEVICE_DATA_KEY, SAMPLE_LIVE_DATA_KEY, cloud.return_url
    )
    progress(f"P5 overhead: reference, {calls} calls")
    reference = reference_figures(calls)
    result = Result("P5", data={"calls": calls, "reference": reference})
    for function in HTTP_FUNCTIONS:
        handler = stubbed_handler(function)
        for shape in SHAPES:
            progress(f"P5 overhead: {function} ({shape}), {calls} calls")
            context = make_context(shape, function, str(uuid.uuid4()))
            event = http_event(function, shape, values)
            ours = figures(timings(handler, event, context, calls, EXPECTED_STATUS[function]))
            result.data[f"{function}.{shape}"] = ours
            result.rows.append(row(function, shape, ours, reference))
    return result
