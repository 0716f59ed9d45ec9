"""The Logger and Metrics every function shares, created once, and the redaction every log line passes, the
SDKs' own included: presigned URLs, signed headers, credentials and base64 media never reach a log."""

import logging
import os
import re
import warnings
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from faceid_relay import startup
from faceid_relay.errors import RelayError
from faceid_relay.platform.context import wrap_context

SERVICE_NAME = os.environ.get("POWERTOOLS_SERVICE_NAME") or "faceid-relay"
METRICS_NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "FaceIdRelay"
REDACTED = "<redacted>"

# qcloud_cos logs each request's URL and headers at INFO, and signing keys at DEBUG (qcloud_cos/cos_client.py,
# cos_auth.py); the tencentcloud SDK logs whole requests (Authorization, X-TC-Token, base64 bodies) at DEBUG.
THIRD_PARTY_LOGGERS = ("qcloud_cos", "tencentcloud_sdk_common")

# Names whose value is secret wherever they appear: a log key, a header, a query parameter, a JSON field.
_HIDDEN_NAMES = (
    r"(?:[\w-]*[_-])?(?:secret[_-]?key|session[_-]?token|security[_-]?token|app[_-]?token|sign[_-]?key)"
    # cos_auth logs the request signature as "sign: <hex>".
    r"|x-tc-token|q-signature|signature|sign|password|[\w-]*base64"
)
_HIDDEN_KEY = re.compile(rf"(?:{_HIDDEN_NAMES}|authorization)", re.IGNORECASE)
# Between a name and its value: an optional closing quote, ':' or '=' (or %3D inside an encoded URL), an
# optional opening quote, with the b of a bytes repr (qcloud_cos logs header values as bytes at DEBUG).
# Covers `k=v`, `k: v`, `'k': 'v'`, `'k': b'v'`, `"k": "v"` and `k%3Dv`.
_SEPARATOR = r"""(?:\\?["'])?\s*(?::|=|%3[dD])\s*(?:b?\\?["'])?"""


def _unnamed_base64(run: re.Match[str]) -> str:
    # Base64 of anything real has upper-case letters; our keys, paths and hex digests have none.
    return REDACTED if any(c.isupper() for c in run[0]) else run[0]


_TEXT_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    # Authorization values have spaces and '&' (TC3: "TC3-HMAC-SHA256 Credential=…, Signature=…"; COS:
    # "q-sign-algorithm=sha1&…&q-signature=…"; "Bearer …"): everything up to the end of the value.
    (re.compile(rf"(?<![\w-])(authorization{_SEPARATOR})[^\"'\\\r\n]+", re.IGNORECASE), rf"\1{REDACTED}"),
    (
        re.compile(rf"(?<![\w-])((?:{_HIDDEN_NAMES}){_SEPARATOR})[^\s\"'\\&,;<>()\[\]{{}}]+", re.IGNORECASE),
        rf"\1{REDACTED}",
    ),
    # cos_auth logs `"sign_key" + key` with no separator.
    (re.compile(r"(sign_key)\s*[0-9a-f]{16,}", re.IGNORECASE), rf"\1{REDACTED}"),
    (re.compile(r"(\bbearer\s+)[^\s\"'\\]+", re.IGNORECASE), rf"\1{REDACTED}"),
    # Media, tokens and keys that arrive unnamed: long base64 runs.
    (re.compile(r"[A-Za-z0-9+/_-]{100,}={0,2}"), _unnamed_base64),
)


def redact(text: str) -> str:
    """The text with every secret value this module knows replaced by <redacted>."""
    for pattern, replacement in _TEXT_RULES:
        text = pattern.sub(replacement, text)
    return text


def _redacted(value: Any) -> Any:
    """A log value with secrets removed: values under secret names whole, strings by pattern; other objects
    as the text json would render them (Powertools' default is str)."""
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(key, str) and _HIDDEN_KEY.fullmatch(key) else _redacted(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_redacted(item) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact(value if isinstance(value, str) else str(value))


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, redacting the structured record just before it becomes JSON (so message,
    extra keys, exception text and stack trace are all covered, and escaping cannot hide a value)."""

    def serialize(self, log: LogRecord) -> str:
        return super().serialize(log=_redacted(log))


# The lowest level each SDK logger shows unless ours is DEBUG. Their INFO lines repeat every request;
# qcloud_cos also logs every failed response at ERROR, the expected 404s and 409s of storage.py included
# (cos_client.send_request), and storage.py already decides what a failure means.
_THIRD_PARTY_LEVELS = {"qcloud_cos": logging.CRITICAL, "tencentcloud_sdk_common": logging.WARNING}


def _route_third_party_logs(through: Logger) -> None:
    """SDK loggers write through our handler (so redacted, as JSON) and nowhere else."""
    for name in THIRD_PARTY_LOGGERS:
        third_party = logging.getLogger(name)
        third_party.handlers = [through.registered_handler]
        third_party.setLevel(
            logging.DEBUG if through.log_level <= logging.DEBUG else _THIRD_PARTY_LEVELS[name]
        )
        third_party.propagate = False


logger = Logger(service=SERVICE_NAME, logger_formatter=RedactingFormatter())
if not isinstance(logger.registered_formatter, RedactingFormatter):
    # A Logger for this service made before this module (e.g. a bare `Logger()` in a handler) owns the
    # handler, and Powertools reuses it as it is: its lines must be redacted too.
    logger.registered_handler.setFormatter(RedactingFormatter())
# Powertools only filters the root handlers that exist now; one added later (a platform's, a test runner's)
# would print its own unredacted copy of every line.
logging.getLogger(logger.name).propagate = False
metrics = Metrics(namespace=METRICS_NAMESPACE, service=SERVICE_NAME)
# Most requests have nothing to count (metrics are errors, outcomes and retries): not worth a warning each.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)
_route_third_party_logs(logger)


def record_error(error: RelayError, log: Logger | logging.Logger = logger) -> None:
    """An error of the catalogue reached a client (as JSON, a page or a redirect): counted by its code, and
    logged with its stack trace when it is ours (5xx)."""
    metrics.add_metric(name=error.code, unit=MetricUnit.Count, value=1)
    if error.status >= 500:
        log.error("Request failed: %s", error.code, exc_info=error)


EventJob = Callable[[Any, LambdaContext], dict[str, Any]]


def event_function(job: EventJob, log: Logger = logger) -> Callable[[Any, Any], dict[str, Any]]:
    """A function's entry point, `handler(event, context)`: `job` with the cold-start metric, its metrics
    flushed, the invocation's context in every log line of `log` and SCF's context in Lambda's shape.
    log_event=False overrides POWERTOOLS_LOGGER_LOG_EVENT: events carry credentials (the app's bearer
    token, a COS trigger's Authorization header)."""
    logged = log.inject_lambda_context(log_event=False)(job)
    observed = metrics.log_metrics(capture_cold_start_metric=True)(logged)

    def handler(event: Any, context: Any) -> dict[str, Any]:
        outcome: dict[str, Any] = observed(event, wrap_context(context))
        return outcome

    startup.started()
    return handler
