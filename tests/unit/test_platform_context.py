"""Context wrapping: SCF's dict context behaves like Lambda's for Powertools (Logger, remaining time)."""

import pytest

from faceid_relay.platform import context as context_module
from faceid_relay.platform.context import DEFAULT_BUDGET_MS, wrap_context


class FakeClock:
    """The adapter's monotonic clock under the test's control (no real waiting, no timing assertions)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(context_module, "monotonic", fake)
    return fake


def test_scf_context_reads_like_a_lambda_context(scf_context, monkeypatch):
    monkeypatch.setenv("TENCENTCLOUD_REGION", "ap-singapore")
    monkeypatch.setenv("TENCENTCLOUD_UIN", "100000000001")

    wrapped = wrap_context(scf_context)

    assert wrapped.function_name == "faceid-relay-test"
    assert wrapped.function_version == "$LATEST"
    assert wrapped.memory_limit_in_mb == 256
    assert wrapped.aws_request_id == "4a7c9e1b-3d5f-4b7d-8e0a-6c2e4a6c8e0b"
    assert wrapped.invoked_function_arn == (
        "qcs::scf:ap-singapore:uin/100000000001:namespace/default/function/faceid-relay-test"
    )
    assert wrapped.log_group_name == "scf/default/faceid-relay-test"


def test_remaining_time_counts_down_from_scf_time_limit(scf_context, clock):
    wrapped = wrap_context(scf_context)
    at_start = wrapped.get_remaining_time_in_millis()

    clock.now += 1.5
    later = wrapped.get_remaining_time_in_millis()
    clock.now += 60
    after_the_limit = wrapped.get_remaining_time_in_millis()

    assert at_start == 20_000
    assert later == 18_500
    assert after_the_limit == 0


def test_scf_context_with_missing_or_odd_values_still_wraps(clock):
    wrapped = wrap_context({"request_id": "r-1", "memory_limit_in_mb": "not a number"})

    assert wrapped.aws_request_id == "r-1"
    assert wrapped.memory_limit_in_mb == 128
    assert wrapped.get_remaining_time_in_millis() == DEFAULT_BUDGET_MS
    assert wrapped.invoked_function_arn.startswith("qcs::scf:")


def test_lambda_context_passes_through_unchanged(lambda_context):
    assert wrap_context(lambda_context) is lambda_context


def test_local_invocation_without_context_gets_a_budget_and_a_fresh_request_id(clock):
    first, second = wrap_context(None), wrap_context(None, default_budget_ms=5_000)

    assert first.get_remaining_time_in_millis() == DEFAULT_BUDGET_MS
    assert second.get_remaining_time_in_millis() == 5_000
    assert first.aws_request_id != second.aws_request_id
    assert first.function_name == "local"


def test_logger_inject_lambda_context_works_on_a_wrapped_scf_context(scf_context, captured_logger):
    logger = captured_logger.logger

    @logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
    def handler(event, context):
        logger.info("handled")
        return context.get_remaining_time_in_millis()

    remaining = handler({"requestContext": {"requestId": "api-request-1"}}, wrap_context(scf_context))

    (line,) = captured_logger.records()
    assert 0 < remaining <= 20_000
    assert line["message"] == "handled"
    assert line["function_name"] == "faceid-relay-test"
    assert line["function_request_id"] == "4a7c9e1b-3d5f-4b7d-8e0a-6c2e4a6c8e0b"
    assert line["function_memory_size"] == 256
    assert line["correlation_id"] == "api-request-1"
