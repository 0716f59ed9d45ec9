"""A Lambda-style `context` on every platform: SCF passes a dict (reference §4.1), on which Powertools'
Logger.inject_lambda_context fails and idempotency finds no remaining time (peers.md §3.2)."""

import os
import uuid
from collections.abc import Mapping
from time import monotonic
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

DEFAULT_BUDGET_MS = 30_000


class PlatformContext:
    """The attributes of Lambda's context object, for SCF or a local call.

    The clock starts when the object is made, a few milliseconds after the platform started its own,
    so the remaining time is a slight overestimate."""

    __slots__ = (
        "_deadline",
        "aws_request_id",
        "function_name",
        "function_version",
        "invoked_function_arn",
        "log_group_name",
        "log_stream_name",
        "memory_limit_in_mb",
    )

    def __init__(
        self,
        *,
        function_name: str,
        function_version: str,
        invoked_function_arn: str,
        memory_limit_in_mb: int,
        request_id: str,
        log_group_name: str,
        log_stream_name: str,
        time_limit_ms: int,
    ) -> None:
        self.function_name = function_name
        self.function_version = function_version
        self.invoked_function_arn = invoked_function_arn
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = request_id
        self.log_group_name = log_group_name
        self.log_stream_name = log_stream_name
        self._deadline = monotonic() + time_limit_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - monotonic()) * 1000))


def wrap_context(context: object, *, default_budget_ms: int = DEFAULT_BUDGET_MS) -> LambdaContext:
    """SCF's dict → PlatformContext; None (a local call) → a local one; Lambda's own object passes through.

    Typed as Powertools' LambdaContext, which Powertools reads only by attribute (duck typing)."""
    if context is None:
        local = PlatformContext(
            function_name="local",
            function_version="$LATEST",
            invoked_function_arn="local",
            memory_limit_in_mb=128,
            request_id=str(uuid.uuid4()),
            log_group_name="local",
            log_stream_name="local",
            time_limit_ms=default_budget_ms,
        )
        return cast(LambdaContext, local)
    if isinstance(context, Mapping):
        return cast(LambdaContext, _scf_context(context, default_budget_ms))
    return cast(LambdaContext, context)


def _scf_context(context: Mapping[str, Any], default_budget_ms: int) -> PlatformContext:
    """Build the context from SCF's dict: request_id, function_name, function_version, namespace,
    memory_limit_in_mb, time_limit_in_ms (reference §4.1). Missing keys get neutral defaults."""
    name = str(context.get("function_name") or "unknown")
    namespace = str(context.get("namespace") or "default")
    version = str(context.get("function_version") or "$LATEST")
    # SCF has no ARN; this follows Tencent's CAM resource form. The region and uin keys are UNCONFIRMED in the
    # context (reference §4.1) and TENCENTCLOUD_REGION / TENCENTCLOUD_UIN in the environment (reference §4.2).
    region = context.get("tencentcloud_region") or os.environ.get("TENCENTCLOUD_REGION") or "unknown"
    uin = context.get("tencentcloud_uin") or os.environ.get("TENCENTCLOUD_UIN") or "unknown"
    return PlatformContext(
        function_name=name,
        function_version=version,
        invoked_function_arn=f"qcs::scf:{region}:uin/{uin}:namespace/{namespace}/function/{name}",
        memory_limit_in_mb=_as_int(context.get("memory_limit_in_mb"), 128),
        request_id=str(context.get("request_id") or uuid.uuid4()),
        log_group_name=f"scf/{namespace}/{name}",
        log_stream_name=version,
        time_limit_ms=_as_int(context.get("time_limit_in_ms"), default_budget_ms),
    )


def _as_int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
