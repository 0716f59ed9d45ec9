"""Each platform's artifact is enough: its layer and function zips unzipped into empty read-only folders and
run by that platform's own interpreter (SCF: the SCF runtime's Python; Lambda: 3.13) without site-packages
and without writing bytecode, every handler imports and serves its sample event against the local cloud, in
the order the flows use them, and no Python source is compiled on the way (the .pyc shipped are used)."""

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos import CosConfig, CosS3Client

from deploy.artifact import COMPILE_AUDIT, DEPLOYED_ENV, Unpacked, unpacked
from deploy.package import PackageReport, function_dirs
from faceid_relay.models.records import upload_expectation_key
from localcloud import accounts
from localcloud.stack import Stack, StackOptions

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"
PHOTO = (ROOT / "localcloud" / "faceid" / "assets" / "best_frame.jpg").read_bytes()
# The sample events name these objects; they are uploaded first, as a client would.
SAMPLE_UPLOADS = {
    "uploads/compare-image/c4e8a1f05b2d4c6e8f0a1b3c5d7e9f10": PHOTO,
    "uploads/device-data/3f2b8c1e9a7d4e6f8b0c1d2e3f4a5b6c": b"\x00\x01device-data" * 64,
    "uploads/live-data/7a1c2e4b6d8f4a0c9e1b3d5f7a9c0e2b": b"\x00\x02live-data" * 64,
}
NOW = "2026-11-30T00:00:00Z"
SAMPLE_BIZ_TOKEN = "81EEF678-28EE-4759-A82E-6CBBBE6BC442"
# Each platform's HTTP event shape (hash_on_upload has only the COS trigger's event).
HTTP_SHAPES = {"scf": "scf-url", "lambda": "lambda-v2"}
TIMER_SHAPES = {"scf": "scf-timer", "lambda": "eventbridge-schedule"}
ISSUING = ("presign_upload", "sequence_generation", "liveness_compare", "token_issuance")
# Imports the handler as the platform does (`app.handler`, the code folder first on the path), answers one
# event with the platform's kind of context, and reports the answer and every source compiled meanwhile.
INVOKE = (
    COMPILE_AUDIT
    + """
import importlib, json
event_path, out_path, platform = sys.argv[1:]
assert not any("site-packages" in entry for entry in sys.path), sys.path
app = importlib.import_module("app")
import gc
collector = {"enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}
event = json.load(open(event_path))
if platform == "scf":
    context = {"request_id": "layer-test", "function_name": "layer-test", "memory_limit_in_mb": 256,
               "time_limit_in_ms": 30000}
else:
    class LambdaContext:
        function_name = "layer-test"
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:layer-test"
        memory_limit_in_mb = 512
        aws_request_id = "layer-test"
        log_group_name = "/aws/lambda/layer-test"
        log_stream_name = "layer-test"
        def get_remaining_time_in_millis(self):
            return 30000
    context = LambdaContext()
answer = app.handler(event, context)
json.dump({"answer": answer, "compiled": COMPILED, "collector": collector}, open(out_path, "w"))
"""
)


@pytest.fixture(scope="module")
def cloud(deployed: Unpacked, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A fresh local cloud for each platform's artifact: live data is single-use."""
    options = StackOptions(
        data_dir=tmp_path_factory.mktemp("cloud"),
        with_gateway=False,
        extra_env={"RELAY_ALLOWED_RETURN_ORIGINS": "https://app.example.com"},
    )
    stack = Stack(options).start()
    client = CosS3Client(
        CosConfig(
            Region=options.region,
            SecretId=accounts.PERMANENT.secret_id,
            SecretKey=accounts.PERMANENT.secret_key,
            IP="127.0.0.1",
            Port=stack.cos_port,
            Scheme="http",
        )
    )
    for key, data in SAMPLE_UPLOADS.items():
        content_type = (
            "image/jpeg" if key.startswith("uploads/compare-image/") else "application/octet-stream"
        )
        # What POST /uploads would have promised for the key: hashing refuses an object without it.
        promise = {"key": key, "size": len(data), "md5": None, "contentType": content_type, "createdAt": NOW}
        client.put_object(
            Bucket=stack.bucket, Key=upload_expectation_key(key), Body=json.dumps(promise).encode()
        )
        client.put_object(Bucket=stack.bucket, Key=key, Body=data, ContentType=content_type)
    yield stack
    stack.stop()


@pytest.fixture(scope="module", params=["scf", "lambda"])
def deployed(
    request: pytest.FixtureRequest,
    artifacts: dict[str, PackageReport],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Unpacked]:
    report = artifacts[request.param]
    with unpacked(report, tmp_path_factory.mktemp(f"artifact-{request.param}")) as artifact:
        yield artifact


class Runs:
    """Runs handlers from one unpacked artifact and keeps what each compiled."""

    def __init__(self, artifact: Unpacked, cloud: Stack, tmp: Path) -> None:
        self.artifact, self.cloud, self.tmp = artifact, cloud, tmp
        self.compiled: dict[str, list[str]] = {}
        self.collector: dict[str, dict[str, Any]] = {}

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        event_path, out_path = self.tmp / f"{function}.event.json", self.tmp / f"{function}.out.json"
        event_path.write_text(json.dumps(event))
        platform = self.artifact.report.runtime.platform
        result = subprocess.run(  # noqa: S603 - the runtime's interpreter without site-packages, fixed script
            [str(self.artifact.python), "-S", "-c", INVOKE, str(event_path), str(out_path), platform],
            env={
                "PYTHONPATH": self.artifact.pythonpath(function),
                "PYTHONDONTWRITEBYTECODE": "1",
                **DEPLOYED_ENV,
                **self.cloud.function_env(function),  # its own key and CAM policy
            },
            cwd=self.artifact.code_dir(function),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        report = json.loads(out_path.read_text())
        self.compiled.setdefault(function, []).extend(report["compiled"])
        self.collector[function] = report["collector"]
        answer: dict[str, Any] = report["answer"]
        return answer


def sample(function: str, shape: str, biz_token: str = SAMPLE_BIZ_TOKEN) -> dict[str, Any]:
    text = (EVENTS / f"{function}.{shape}.json").read_text().replace(SAMPLE_BIZ_TOKEN, biz_token)
    event: dict[str, Any] = json.loads(text)
    return event


def cos_event_for(key: str) -> dict[str, Any]:
    event = sample("hash_on_upload", "scf-cos")
    cos_object = event["Records"][0]["cos"]["cosObject"]
    cos_object["key"] = cos_object["key"].rsplit("/uploads/", 1)[0] + "/" + key
    cos_object["url"] = cos_object["url"].split("/uploads/", 1)[0] + "/" + key
    return event


@dataclass(frozen=True)
class Served:
    """Both flows run once from one platform's artifact: each handler's answers, and what it compiled."""

    hashed: list[dict[str, Any]]
    issued: dict[str, dict[str, Any]]
    redirected: dict[str, Any]
    read: dict[str, Any]
    canceled: dict[str, Any]
    swept: dict[str, Any]
    compiled: dict[str, list[str]]
    collector: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def served(deployed: Unpacked, cloud: Stack, tmp_path_factory: pytest.TempPathFactory) -> Served:
    run = Runs(deployed, cloud, tmp_path_factory.mktemp("runs"))
    shape = HTTP_SHAPES[deployed.report.runtime.platform]
    hashed = [run("hash_on_upload", cos_event_for(key)) for key in SAMPLE_UPLOADS]
    issued = {function: run(function, sample(function, shape)) for function in ISSUING}
    biz_token = json.loads(issued["token_issuance"]["body"])["bizToken"]
    redirected = run("redirect_callback", sample("redirect_callback", shape, biz_token))
    read = run("result_read", sample("result_read", shape, biz_token))
    canceled = run("verification_lifecycle", sample("verification_lifecycle", shape, biz_token))
    swept = run(
        "lifecycle_sweeper", sample("lifecycle_sweeper", TIMER_SHAPES[deployed.report.runtime.platform])
    )
    return Served(hashed, issued, redirected, read, canceled, swept, run.compiled, run.collector)


def test_every_handler_serves_from_its_platforms_artifact_alone(served: Served) -> None:
    assert [answer["recorded"] for answer in served.hashed] == [[key] for key in SAMPLE_UPLOADS]
    assert {name: answer["statusCode"] for name, answer in served.issued.items()} == dict.fromkeys(
        ISSUING, 200
    )
    assert served.redirected["statusCode"] == 302
    location = served.redirected["headers"]["Location"]
    assert location.startswith("https://app.example.com/kyc/done?status=pending")
    assert served.read["statusCode"] == 200
    assert json.loads(served.read["body"])["status"] == "pending"
    assert served.canceled["statusCode"] == 200
    assert json.loads(served.canceled["body"])["status"] == "canceled"
    assert set(served.swept) == {"closed", "still_pending", "webhooks_sent"}


def test_no_handler_compiles_python_source(served: Served) -> None:
    """Import and first call alike run on the shipped bytecode: a stale, missing or other-version .pyc would
    show up here as a compiled .py."""
    assert set(served.compiled) == {function.name for function in function_dirs()}
    assert {name: files for name, files in served.compiled.items() if files} == {}


def test_every_handler_collects_garbage_again_once_loaded(served: Served) -> None:
    """The collector rests while a function loads (faceid_relay/startup.py); once the handler is built it
    runs again, on what requests create, with what the start made frozen out of its sight."""
    assert set(served.collector) == {function.name for function in function_dirs()}
    assert {name: state["enabled"] for name, state in served.collector.items()} == dict.fromkeys(
        served.collector, True
    )
    assert all(state["frozen"] > 10_000 for state in served.collector.values()), served.collector
