"""The corpus of real platform events (tests/hardening/corpus/) once more, against what ships: each
platform's artifact unpacked read-only and run by that platform's interpreter without site-packages (as the
deploy contract does), one process per function serving every event of its kind. The answers are the ones
the running deployment gives (test_hardening_corpus.py)."""

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from deploy.artifact import DEPLOYED_ENV, Unpacked, unpacked
from deploy.package import build_all
from localcloud.process import RunningStack
from localcloud.stack import Stack, StackOptions
from tests.hardening.harness import Bucket
from tests.hardening.test_hardening_corpus import (
    COS_EVENTS,
    HTTP_EVENTS,
    NOT_OURS,
    RECORDED,
    REFUSED,
    REFUSED_HTTP,
    TIMER_EVENTS,
    event_keys,
    place_upload,
    read,
)

# Imports the handler as the platform does and answers every event of a list, in order; an exception is
# reported by class (the platform would log it and, for an async trigger, retry).
SERVE_ALL = """
import importlib, json, sys
events_path, out_path, platform = sys.argv[1:]
app = importlib.import_module("app")
if platform == "scf":
    def context():
        return {"request_id": "corpus", "function_name": "corpus", "memory_limit_in_mb": 256,
                "time_limit_in_ms": 60000}
else:
    class LambdaContext:
        function_name = "corpus"
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:corpus"
        memory_limit_in_mb = 512
        aws_request_id = "corpus"
        log_group_name = "/aws/lambda/corpus"
        log_stream_name = "corpus"
        def get_remaining_time_in_millis(self):
            return 60000
    context = LambdaContext
answers = []
for event in json.load(open(events_path)):
    try:
        answers.append(app.handler(event, context()))
    except Exception as error:
        answers.append({"raised": type(error).__name__})
json.dump(answers, open(out_path, "w"))
"""


@pytest.fixture(scope="module", params=["scf", "lambda"])
def artifact(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Unpacked]:
    report = build_all()[request.param]  # cached: built once for the deploy contract too
    with unpacked(report, tmp_path_factory.mktemp(f"artifact-{request.param}")) as unpacked_artifact:
        yield unpacked_artifact


@pytest.fixture(scope="module")
def cloud(artifact: Unpacked, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack(StackOptions(data_dir=tmp_path_factory.mktemp("cloud"), with_gateway=False)).start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def bucket(cloud: Stack) -> Bucket:
    return Bucket(cast(RunningStack, SimpleNamespace(cos=cloud.cos_url, bucket=cloud.bucket)))


def serve_all(artifact: Unpacked, cloud: Stack, tmp: Path, function: str, events: list[Any]) -> list[Any]:
    events_path, out_path = tmp / f"{function}.events.json", tmp / f"{function}.answers.json"
    events_path.write_text(json.dumps(events))
    result = subprocess.run(  # noqa: S603 - the runtime's interpreter without site-packages, fixed script
        [
            str(artifact.python),
            "-S",
            "-c",
            SERVE_ALL,
            str(events_path),
            str(out_path),
            artifact.report.runtime.platform,
        ],
        env={
            "PYTHONPATH": artifact.pythonpath(function),
            "PYTHONDONTWRITEBYTECODE": "1",
            **DEPLOYED_ENV,
            **cloud.function_env(function),
        },
        cwd=artifact.code_dir(function),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers: list[Any] = json.loads(out_path.read_text())
    return answers


def test_the_artifact_serves_every_http_event_of_the_corpus(
    artifact: Unpacked, cloud: Stack, tmp_path: Path
) -> None:
    answers = serve_all(
        artifact, cloud, tmp_path, "presign_upload", [read("http", name) for name in HTTP_EVENTS]
    )

    statuses = {name: answer.get("statusCode") for name, answer in zip(HTTP_EVENTS, answers, strict=True)}
    expected = {name: REFUSED_HTTP.get(name.split(".", 1)[1], (200,))[0] for name in HTTP_EVENTS}
    assert statuses == expected


def test_the_artifact_records_refuses_or_skips_every_cos_event_of_the_corpus(
    artifact: Unpacked, cloud: Stack, bucket: Bucket, tmp_path: Path
) -> None:
    events = {name: read("cos", name) for name in COS_EVENTS}
    for name, event in events.items():
        for key in event_keys(event) if name not in NOT_OURS else []:
            place_upload(bucket, key)

    answers = serve_all(artifact, cloud, tmp_path, "hash_on_upload", list(events.values()))

    for (name, event), answer in zip(events.items(), answers, strict=True):
        keys = event_keys(event) if name not in NOT_OURS else []
        if name in RECORDED:
            assert answer == {"recorded": keys, "refused": []}, name
        elif name in REFUSED:
            assert answer == {"recorded": [], "refused": keys}, name
        elif name == "three-records":
            assert answer == {"recorded": keys[:2], "refused": keys[2:]}, name
        else:
            assert answer == {"recorded": [], "refused": []}, name


def test_the_artifact_sweeps_on_every_timer_event_of_the_corpus(
    artifact: Unpacked, cloud: Stack, tmp_path: Path
) -> None:
    answers = serve_all(
        artifact, cloud, tmp_path, "lifecycle_sweeper", [read("timer", name) for name in TIMER_EVENTS]
    )

    assert [set(answer) for answer in answers] == [{"closed", "still_pending", "webhooks_sent"}] * len(
        TIMER_EVENTS
    )
