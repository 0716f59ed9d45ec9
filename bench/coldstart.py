"""P2 cold start, as deployed: each function run from its platform's artifact (dist/<platform>/ zips unzipped
into read-only folders) by that runtime's interpreter (`-S`, PYTHONDONTWRITEBYTECODE=1), fresh process →
first response against the local cloud, as a ratio to the naive peer in the same rounds (bench/naive_app.py:
the four libraries installed by a plain `pip install --target`, making the same first provider call).
The Powertools resolver alone (bench/reference_app.py, from the naive install) is shown beside them.

Time runs from a CLOCK_MONOTONIC stamp the parent takes just before spawning to the child's stamp when the
handler returned; rounds interleave all processes of both platforms; a warm-up round (page cache) is
discarded. Beside it, each child's own CPU time (user + system) up to its answer, which the other load of a
shared machine disturbs far less than the wall clock; the verdict is on the wall clock.
One more round under `-X importtime` gives the import breakdown by top-level package."""

import json
import shutil
import stat
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import cold_child, naive, reference_app
from bench.cloud import PHOTO, BenchCloud
from bench.common import (
    BENCH_DIR,
    BenchError,
    Result,
    Row,
    Target,
    child_env,
    median,
    progress,
    ratio,
    run_child,
    times,
)
from bench.events import (
    COS_EVENT,
    EXPECTED_STATUS,
    HASH_FUNCTION,
    HTTP_FUNCTIONS,
    SAMPLE_BIZ_TOKEN,
    RealValues,
    cos_event,
    http_event,
    sample_event,
    substituted,
)
from deploy.artifact import DEPLOYED_ENV, Unpacked, unpacked
from deploy.package import PackageReport
from localcloud.gateway import EventShape, make_context

CHILD = Path(cold_child.__file__)
HTTP_TARGET = Target(0.9)
HASH_TARGET = Target(0.6)
CHILD_TIMEOUT_SECONDS = 120
TOP_IMPORT_PACKAGES = 8
# Each platform's HTTP event shape.
HTTP_SHAPES = {"scf": "scf-url", "lambda": "lambda-v2"}
# The first provider call each function makes on a valid request (none: presign_upload only signs); the naive
# peer makes the same one. Every other function first reads the bucket (an upload's ETag or a record).
FIRST_CALL = {"presign_upload": "none"}
NAIVE_EVENT = ("presign_upload", "lambda-v2")  # an HTTP API v2 POST; path and body replaced
RESOLVER = "resolver"
# Run by path in its child only: importing it here would build its clients in the parent.
NAIVE_APP = Path(__file__).with_name("naive_app.py")


def naive_name(call: str) -> str:
    return f"naive:{call}"


def _needs_token(function: str) -> bool:
    """Functions whose sample event names a BizToken run after token_issuance has issued one."""
    shape = COS_EVENT if function == HASH_FUNCTION else HTTP_SHAPES["scf"]
    return SAMPLE_BIZ_TOKEN in json.dumps(sample_event(function, shape))


# The functions, from the gateway's route table (HTTP) and its event functions (the COS trigger).
FUNCTIONS = (HASH_FUNCTION, *HTTP_FUNCTIONS)
BEFORE_TOKEN = tuple(name for name in FUNCTIONS if not _needs_token(name))
AFTER_TOKEN = tuple(name for name in FUNCTIONS if _needs_token(name))
NAIVE_CALLS = sorted({FIRST_CALL.get(name, "cos") for name in FUNCTIONS})


@dataclass(frozen=True)
class ColdRun:
    """One process, in milliseconds: spawn to import start, the import, the first call."""

    startup_ms: float
    import_ms: float
    call_ms: float
    cpu_ms: float
    response: dict[str, Any]
    stderr: str

    @property
    def total_ms(self) -> float:
        return self.startup_ms + self.import_ms + self.call_ms


@dataclass(frozen=True)
class Job:
    """What one child imports (the platform's search path and handler module) and answers."""

    name: str
    python: Path
    pythonpath: str
    module: Path
    event: dict[str, Any]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Platform:
    """One platform's artifact, unpacked read-only, and its naive peer's install."""

    artifact: Unpacked
    naive_site: Path
    naive_code: Path

    @property
    def name(self) -> str:
        return self.artifact.report.runtime.platform

    bytecode: bool = True

    @property
    def label(self) -> str:
        missing = "" if self.bytecode else ", no .pyc"
        return f"{self.name}, CPython {self.artifact.report.runtime.python}{missing}"


class ColdRunner:
    """Spawns the children, each with the deployment's environment from Stack.function_env()."""

    def __init__(self, cloud: BenchCloud) -> None:
        self.cloud = cloud
        self.env = {**child_env(cloud.env), **DEPLOYED_ENV, "PYTHONDONTWRITEBYTECODE": "1"}
        del self.env["PYTHONPATH"]

    def spawn(self, job: Job, importtime: bool = False) -> ColdRun:
        # SCF's context is a plain dict, so it crosses to the child as JSON (the naive peer never reads it).
        context = make_context(EventShape.SCF_URL, job.name, str(uuid.uuid4()))
        spec = {"name": "app", "module": str(job.module), "event": job.event, "context": context}
        child = run_child(
            CHILD,
            spec,
            {**self.env, **job.env, "PYTHONPATH": job.pythonpath},
            cold_child.REPORT_PREFIX,
            ("-S", "-X", "importtime") if importtime else ("-S",),
            timeout=CHILD_TIMEOUT_SECONDS,
            python=job.python,
        )
        report = child.report
        return ColdRun(
            startup_ms=(report["import_start"] - child.spawned_ns) / 1e6,
            import_ms=(report["imported"] - report["import_start"]) / 1e6,
            call_ms=(report["answered"] - report["imported"]) / 1e6,
            cpu_ms=report["cpu_s"] * 1000,
            response=report["response"],
            stderr=child.stderr,
        )


def function_job(artifact: Unpacked, name: str, values: RealValues) -> Job:
    if name == HASH_FUNCTION:
        event = cos_event(values.compare_image_key, len(PHOTO))
    else:
        event = http_event(name, HTTP_SHAPES[artifact.report.runtime.platform], values)
    module = artifact.code_dir(name) / "app.py"
    return Job(name, artifact.python, artifact.pythonpath(name), module, event, {})


def naive_job(platform: Platform, call: str, values: RealValues) -> Job:
    event = substituted(sample_event(*NAIVE_EVENT), {"/uploads": "/naive"})
    event["body"] = json.dumps({"key": values.compare_image_key})
    pythonpath = f"{platform.naive_code}:{platform.naive_site}"
    module = platform.naive_code / "app.py"
    python = platform.artifact.python
    return Job(naive_name(call), python, pythonpath, module, event, {"BENCH_NAIVE_CALL": call})


def resolver_job(platform: Platform) -> Job:
    module = Path(reference_app.__file__)
    event = sample_event(*reference_app.REFERENCE_EVENT)
    return Job(RESOLVER, platform.artifact.python, str(platform.naive_site), module, event, {})


def check(name: str, run: ColdRun, values: RealValues) -> None:
    """Only a valid, successful answer counts as a first response."""
    response = run.response
    if name == HASH_FUNCTION:
        ok = response.get("recorded") == [values.compare_image_key]
    else:
        ok = response.get("statusCode") == EXPECTED_STATUS.get(name, 200)
    if not ok:
        raise BenchError(f"{name} did not answer a valid event successfully: {str(response)[:500]}")


def run_round(
    runner: ColdRunner, platform: Platform, values: RealValues, importtime: bool = False
) -> dict[str, ColdRun]:
    """Every process of one platform once: the references, then each function, with fresh live data; the
    functions that need a BizToken get the one this round's token_issuance issued, after the user passed it
    on FaceID's page."""

    def spawn(job: Job, job_values: RealValues) -> None:
        runs[job.name] = runner.spawn(job, importtime)
        check(job.name, runs[job.name], job_values)

    runs: dict[str, ColdRun] = {}
    values = replace(values, live_data_key=runner.cloud.fresh_live_data())
    spawn(resolver_job(platform), values)
    for call in NAIVE_CALLS:
        spawn(naive_job(platform, call, values), values)
    for name in BEFORE_TOKEN:
        spawn(function_job(platform.artifact, name, values), values)
    issued = json.loads(runs["token_issuance"].response["body"])
    runner.cloud.pass_verification(issued["verificationUrl"])
    with_token = replace(values, biz_token=issued["bizToken"])
    for name in AFTER_TOKEN:
        spawn(function_job(platform.artifact, name, with_token), with_token)
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
        "cpu_ms": median([r.cpu_ms for r in runs]),
    }


def describe(figures: Mapping[str, float]) -> str:
    start, imported, call = figures["startup_ms"], figures["import_ms"], figures["call_ms"]
    return (
        f"{figures['total_ms']:.0f} ms (start {start:.0f}, import {imported:.0f}, first call {call:.0f}; "
        f"CPU {figures['cpu_ms']:.0f})"
    )


def row(platform: Platform, name: str, figures: Mapping[str, Mapping[str, float]]) -> Row:
    reference_name = naive_name(FIRST_CALL.get(name, "cos"))
    ours, reference = figures[name], figures[reference_name]
    target = HASH_TARGET if name == HASH_FUNCTION else HTTP_TARGET
    value = ratio(ours["total_ms"], reference["total_ms"])
    verdict = target.verdict(value)
    if target.shortfall(value):
        verdict += f": {ours['total_ms'] - target.limit * reference['total_ms']:.0f} ms to cut"
    shape = COS_EVENT if name == HASH_FUNCTION else HTTP_SHAPES[platform.name]
    return Row(
        "P2",
        f"cold start {name} ({platform.label}, {shape})",
        describe(ours),
        f"naive peer ({FIRST_CALL.get(name, 'cos')} call) {describe(reference)}",
        f"{times(value)} (CPU {times(ratio(ours['cpu_ms'], reference['cpu_ms']))})",
        str(target),
        verdict,
    )


def resolver_row(platform: Platform, figures: Mapping[str, Mapping[str, float]]) -> Row:
    resolver, reference = figures[RESOLVER], figures[naive_name("none")]
    return Row(
        "P2",
        f"cold start, {reference_app.REFERENCE_NAME} alone "
        f"({platform.name}, CPython {platform.artifact.report.runtime.python})",
        describe(resolver),
        f"naive peer (no call) {describe(reference)}",
        f"{times(ratio(resolver['total_ms'], reference['total_ms']))} "
        f"(CPU {times(ratio(resolver['cpu_ms'], reference['cpu_ms']))})",
    )


def _clear(path: Path) -> None:
    """Remove a folder a previous run left read-only."""
    if path.exists():
        for entry in [path, *path.rglob("*")]:
            if not entry.is_symlink():
                entry.chmod(entry.stat().st_mode | stat.S_IWUSR)
        shutil.rmtree(path)


@contextmanager
def platforms(artifacts: Mapping[str, PackageReport], bytecode: bool) -> Iterator[list[Platform]]:
    """Each platform's artifact unpacked read-only under .build/bench/p2, with its naive peer beside it."""
    root = BENCH_DIR / "p2"
    _clear(root)
    with ExitStack() as stack:
        found = []
        for name, report in artifacts.items():
            artifact = stack.enter_context(unpacked(report, root / name / "artifact", bytecode=bytecode))
            code = root / name / "naive"
            code.mkdir(parents=True)
            shutil.copyfile(NAIVE_APP, code / "app.py")
            found.append(Platform(artifact, naive.install(report), code, bytecode))
        yield found
    _clear(root)


def run(
    cloud: BenchCloud, artifacts: Mapping[str, PackageReport], rounds: int, bytecode: bool = True
) -> Result:
    """`bytecode=False` measures the artifacts without their .pyc, as the package shipped them before."""
    values = cloud.real_values()
    runner = ColdRunner(cloud)
    result = Result("P2", data={"rounds": rounds, "bytecode": bytecode, "platforms": {}})
    with platforms(artifacts, bytecode) as found:
        progress("P2 cold start: warm-up round (page cache), discarded")
        for platform in found:
            run_round(runner, platform, values)
        progress("P2 cold start: -X importtime round, for the import breakdown only")
        imports = {
            platform.name: {
                name: import_costs(run.stderr)
                for name, run in run_round(runner, platform, values, importtime=True).items()
            }
            for platform in found
        }
        samples: dict[str, defaultdict[str, list[ColdRun]]] = {p.name: defaultdict(list) for p in found}
        for index in range(rounds):
            progress(f"P2 cold start: round {index + 1}/{rounds}")
            for platform in found:
                for name, cold in run_round(runner, platform, values).items():
                    samples[platform.name][name].append(cold)
        for platform in found:
            figures = {name: summary(runs) for name, runs in samples[platform.name].items()}
            result.rows += [row(platform, name, figures) for name in FUNCTIONS]
            result.rows.append(resolver_row(platform, figures))
            costs = imports[platform.name]
            result.notes += [import_note(platform, name, costs[name]) for name in costs]
            result.data["platforms"][platform.name] = {
                "python": platform.artifact.report.runtime.python,
                "median": figures,
                "samples_ms": {
                    n: [round(r.total_ms, 2) for r in runs] for n, runs in samples[platform.name].items()
                },
                "import_self_ms": {n: {p: round(ms, 1) for p, ms in c.items()} for n, c in costs.items()},
            }
    return result


def import_note(platform: Platform, name: str, costs: Mapping[str, float]) -> str:
    top = ", ".join(f"{package} {ms:.0f}" for package, ms in list(costs.items())[:TOP_IMPORT_PACKAGES])
    total = sum(costs.values())
    return f"P2 imports of {name} ({platform.label}; -X importtime self ms, {total:.0f} in all): {top}"
