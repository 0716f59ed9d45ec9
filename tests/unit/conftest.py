"""Unit-test fixtures: the sample events in events/ (the same files `sam local invoke -e` uses) and
tiny stand-ins for the `context` each platform passes."""

import copy
import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"
COS_EVENT_PREFIX = "hash_on_upload."
TIMER_EVENT_PREFIX = "lifecycle_sweeper."


@cache
def _read_event(name: str) -> Any:
    return json.loads((EVENTS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def http_event_names() -> list[str]:
    """ "<function>.<shape>" of every HTTP sample event."""
    return sorted(
        p.stem
        for p in EVENTS_DIR.glob("*.*.json")
        if not p.stem.startswith((COS_EVENT_PREFIX, TIMER_EVENT_PREFIX))
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # A test that takes `http_event_name` runs once per HTTP sample event.
    if "http_event_name" in metafunc.fixturenames:
        metafunc.parametrize("http_event_name", http_event_names())


@pytest.fixture
def load_event() -> Callable[[str], Any]:
    """events/<name>.json as a fresh object the test may change."""

    def load(name: str) -> Any:
        return copy.deepcopy(_read_event(name))

    return load


@dataclass
class FakeLambdaContext:
    """What Lambda passes as `context`, with the fields Powertools reads."""

    function_name: str = "faceid-relay-test"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:ap-southeast-1:123456789012:function:faceid-relay-test"
    memory_limit_in_mb: int = 256
    aws_request_id: str = "8d3e5f7a-1b2c-4d6e-9f0a-2b4c6d8e0f1a"
    log_group_name: str = "/aws/lambda/faceid-relay-test"
    log_stream_name: str = "2026/11/23/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def scf_context() -> dict[str, Any]:
    """What SCF passes as `context`: a dict (reference §4.1)."""
    return {
        "request_id": "4a7c9e1b-3d5f-4b7d-8e0a-6c2e4a6c8e0b",
        "function_name": "faceid-relay-test",
        "function_version": "$LATEST",
        "namespace": "default",
        "memory_limit_in_mb": 256,
        "time_limit_in_ms": 20_000,
        "environ": "SCF_NAMESPACE=default;",
    }


@pytest.fixture
def context_for(lambda_context: FakeLambdaContext, scf_context: dict[str, Any]) -> Callable[[str], Any]:
    """The context the platform of an event shape ("scf-…" or "lambda-…") passes along with it."""

    def context(shape: str) -> Any:
        return dict(scf_context) if shape.startswith("scf") else lambda_context

    return context


@dataclass
class CapturedLogger:
    """A Powertools Logger of its own, writing JSON lines to memory (Powertools reuses the handler and
    stream of a service name it has seen, so each test gets a new name)."""

    stream: io.StringIO = field(default_factory=io.StringIO)
    logger: Logger = field(init=False)

    def __post_init__(self) -> None:
        self.logger = Logger(service=f"test-{uuid.uuid4().hex}", stream=self.stream)

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def captured_logger() -> CapturedLogger:
    return CapturedLogger()
