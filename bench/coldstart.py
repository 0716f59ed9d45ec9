"""P2 cold start: each function's first answer in fresh interpreters (median of N processes), split into
interpreter start, import and first call, as a ratio to the reference process; and what the imports cost.

Time runs from a CLOCK_MONOTONIC stamp the parent takes just before spawning to the child's stamp when the
handler returned; rounds interleave all processes, and a warm-up round (.pyc, page cache) is discarded."""

import json
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import cold_child, reference_app
from bench.cloud import PHOTO, BenchCloud
from bench.common import BenchError, Result, Row, Target, child_env, median, progress, ratio, run_child, times
from bench.events import (
    COS_EVENT,
    EXPECTED_STATUS,
    HASH_FUNCTION,
    RealValues,
    cos_event,
    http_event,
    sample_event,
)
from localcloud.gateway import FUNCTIONS_DIR, EventShape, make_context

CHILD = Path(cold_child.__file__)
REFERENCE = "reference"
HTTP_SHAPE = EventShape.SCF_URL
HTTP_TARGET = Target(1.0)
HASH_TARGET = Target(0.6)
CHILD_TIMEOUT_SECONDS = 120
TOP_IMPORT_PACKAGES = 6
# Run before the callback in each round: token_issuance issues the BizToken the callback and result_read use.
BEFORE_TOKEN = (HASH_FUNCTION, "presign_upload", "sequence_generation", "liveness_compare", "token_issuance")
AFTER_TOKEN = ("redirect_callback", "result_read")
FUNCTIONS = BEFORE_TOKEN + AFTER_TOKEN


@dataclass(frozen=True)
class ColdRun:
    """One process, in milliseconds: spawn to import start, the import, the first call."""

    startup_ms: float
    import_ms: float
    call_ms: float
    response: dict[str, Any]
    stderr: str

    @property
    def total_ms(self) -> float:
        return self.startup_ms + self.import_ms + self.call_ms


@dataclass(frozen=True)
class Job:
    """What one child imports and answers."""

    name: str
    module: Path
    event: dict[str, Any]


class ColdRunner:
    """Spawns the children, each with the deployment's environment from Stack.function_env()."""

    def __init__(self, cloud: BenchCloud) -> None:
        self.cloud = cloud
        self.env = child_env(cloud.env)

    def spawn(self, job: Job, importtime: bool = False) -> ColdRun:
        # SCF's context is a plain dict, so it crosses to the child as JSON (the reference never reads it).
        context = make_context(EventShape.SCF_URL, job.name, str(uuid.uuid4()))
        spec = {"name": f"functions_{job.name}_app", "module": str(job.module), "event": job.event}
        child = run_child(
            CHILD,
            {**spec, "context": context},
            self.env,
            cold_child.REPORT_PREFIX,
            ("-X", "importtime") if importtime else (),
            timeout=CHILD_TIMEOUT_SECONDS,
        )
        report = child.report
        return ColdRun(
            startup_ms=(report["import_start"] - child.spawned_ns) / 1e6,
            import_ms=(report["imported"] - report["import_start"]) / 1e6,
            call_ms=(report["answered"] - report["imported"]) / 1e6,
            response=report["response"],
            stderr=child.stderr,
        )


def function_job(name: str, values: RealValues) -> Job:
    module = FUNCTIONS_DIR / name / "app.py"
    if name == HASH_FUNCTION:
        return Job(name, module, cos_event(values.compare_image_key, len(PHOTO)))
    return Job(name, module, http_event(name, HTTP_SHAPE, values))


def reference_job() -> Job:
    function, shape = reference_app.REFERENCE_EVENT
    return Job(REFERENCE, Path(reference_app.__file__), sample_event(function, shape))


def check(name: str, run: ColdRun, values: RealValues) -> None:
    """Only a valid, successful answer counts as a first response."""
    response = run.response
    if name == HASH_FUNCTION:
        ok = response.get("recorded") == [values.compare_image_key]
    else:
        ok = response.get("statusCode") == EXPECTED_STATUS.get(name, 200)
    if not ok:
        raise BenchError(f"{name} did not answer a valid event successfully: {str(response)[:500]}")


def run_round(runner: ColdRunner, values: RealValues, importtime: bool = False) -> dict[str, ColdRun]:
    """Every process once: the reference, then each function; the callback and result_read get the token
    this round's token_issuance issued, after the user passed it on FaceID's page."""
    runs = {REFERENCE: runner.spawn(reference_job(), importtime)}
    check(REFERENCE, runs[REFERENCE], values)
    for name in BEFORE_TOKEN:
        runs[name] = runner.spawn(function_job(name, values), importtime)
        check(name, runs[name], values)
    issued = json.loads(runs["token_issuance"].response["body"])
    runner.cloud.pass_verification(issued["verificationUrl"])
    with_token = replace(values, biz_token=issued["bizToken"])
    for name in AFTER_TOKEN:
        runs[name] = runner.spawn(function_job(name, with_token), importtime)
        check(name, runs[name], with_token)
    return runs


def import_costs(stderr: str) -> dict[str, float]:
    """`-X importtime` self time (ms) per top-level package, for everything imported after the marker
    (the handler module's imports, and the lazy ones of its first call)."""
    costs: defaultdict[str, float] = defaultdict(float)
    for line in stderr.partition(cold_child.IMPORTS_MARKER)[2].splitlines():
        if not line.startswith("import time:"):
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        if self_us.strip().isdigit():
            costs[name.strip().split(".")[0]] += int(self_us) / 1000
    return dict(sorted(costs.items(), key=lambda item: -item[1]))


def summary(runs: list[ColdRun]) -> dict[str, float]:
    return {
        "total_ms": median([r.total_ms for r in runs]),
        "startup_ms": median([r.startup_ms for r in runs]),
        "import_ms": median([r.import_ms for r in runs]),
        "call_ms": median([r.call_ms for r in runs]),
    }


def describe(figures: Mapping[str, float]) -> str:
    start, imported, call = figures["startup_ms"], figures["import_ms"], figures["call_ms"]
    return f"{figures['total_ms']:.0f} ms (start {start:.0f}, import {imported:.0f}, first call {call:.0f})"


def row(name: str, figures: Mapping[str, float], reference: Mapping[str, float]) -> Row:
    target = HASH_TARGET if name == HASH_FUNCTION else HTTP_TARGET
    value = ratio(figures["total_ms"], reference["total_ms"])
    verdict = target.verdict(value)
    if target.shortfall(value):
        verdict += f": {figures['total_ms'] - target.limit * reference['total_ms']:.0f} ms to cut"
    return Row(
        "P2",
        f"cold start {name} ({COS_EVENT if name == HASH_FUNCTION else HTTP_SHAPE})",
        describe(figures),
        f"{reference_app.REFERENCE_NAME} {describe(reference)}",
        times(value),
        str(target),
        verdict,
    )


def run(cloud: BenchCloud, rounds: int) -> Result:
    values = cloud.real_values()
    samples: defaultdict[str, list[ColdRun]] = defaultdict(list)
    runner = ColdRunner(cloud)
    progress("P2 cold start: warm-up round (.pyc, page cache), discarded")
    run_round(runner, values)
    progress("P2 cold start: -X importtime round, for the import breakdown only")
    imports = {name: import_costs(run.stderr) for name, run in run_round(runner, values, True).items()}
    for index in range(rounds):
        progress(f"P2 cold start: round {index + 1}/{rounds}")
        for name, cold in run_round(runner, values).items():
            samples[name].append(cold)
    figures = {name: summary(runs) for name, runs in samples.items()}
    result = Result("P2", data={"rounds": rounds, "shape": str(HTTP_SHAPE), "median": figures})
    result.rows = [row(name, figures[name], figures[REFERENCE]) for name in FUNCTIONS]
    result.data["samples_ms"] = {name: [round(r.total_ms, 2) for r in runs] for name, runs in samples.items()}
    result.data["import_self_ms"] = {
        name: {package: round(ms, 1) for package, ms in costs.items()} for name, costs in imports.items()
    }
    result.notes = [import_note(name, costs) for name, costs in imports.items()]
    return result


def import_note(name: str, costs: Mapping[str, float]) -> str:
    top = ", ".join(f"{package} {ms:.0f}" for package, ms in list(costs.items())[:TOP_IMPORT_PACKAGES])
    return f"P2 imports of {name} (-X importtime self ms, {sum(costs.values()):.0f} in all): {top}"
