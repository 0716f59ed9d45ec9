"""One HTTP event shape for every platform, so every function routes with one APIGatewayHttpResolver:
SCF API Gateway / Function URL and Lambda REST / HTTP API / URL events in, each platform's response out."""

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from faceid_relay.compat import StrEnum

DEFAULT_STAGE = "$default"


class EventShape(StrEnum):
    """The platform and trigger an HTTP event came from (also the suffix of the files in events/)."""

    SCF_APIGW = "scf-apigw"
    SCF_URL = "scf-url"
    LAMBDA_V1 = "lambda-v1"
    LAMBDA_V2 = "lambda-v2"
    LAMBDA_URL = "lambda-url"


class UnsupportedEventError(ValueError):
    """The event is no HTTP request we can serve; the message says why without echoing the event."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request as an HTTP API v2 event, plus the shape of the event it came from (to answer in kind)."""

    shape: EventShape
    event: dict[str, Any]


_NOT_HTTP = (
    "The event is not an HTTP request from SCF (API Gateway, Function URL) or Lambda (REST API, HTTP API, "
    "Function URL). Check the function's trigger."
)


def detect_shape(event: object) -> EventShape:
    """Which platform sent this event; UnsupportedEventError if none of ours."""
    if not isinstance(event, Mapping):
        raise UnsupportedEventError(_NOT_HTTP)
    context = event.get("requestContext")
    if (
        event.get("version") == "2.0"
        and isinstance(context, Mapping)
        and isinstance(context.get("http"), Mapping)
    ):
        # Lambda Function URLs and HTTP APIs share payload 2.0; only the domain tells them apart
        # (AWS docs "Invoking Lambda function URLs": <url-id>.lambda-url.<region>.on.aws).
        domain = context.get("domainName")
        is_url = isinstance(domain, str) and ".lambda-url." in domain
        return EventShape.LAMBDA_URL if is_url else EventShape.LAMBDA_V2
    if not isinstance(event.get("httpMethod"), str) or not isinstance(event.get("path"), str):
        raise UnsupportedEventError(_NOT_HTTP)
    if context is None:
        # SCF Function URL events are API-Gateway compatible minus requestContext, headerParameters,
        # isBase64Encoded, pathParameters, queryStringParameters (reference §4.4, cloud.tencent.com 583/96099)
        return EventShape.SCF_URL
    if isinstance(context, Mapping) and "serviceId" in context:
        return EventShape.SCF_APIGW
    if isinstance(context, Mapping) and ("apiId" in context or "resourcePath" in context):
        return EventShape.LAMBDA_V1
    raise UnsupportedEventError(_NOT_HTTP)


def to_http_api_v2(event: object, *, request_id: str) -> HttpRequest:
    """Normalise any supported HTTP event to HTTP API v2; `request_id` is used when the event carries none."""
    if not isinstance(event, Mapping):
        raise UnsupportedEventError(_NOT_HTTP)
    shape = detect_shape(event)
    if shape in (EventShape.LAMBDA_V2, EventShape.LAMBDA_URL):
        return HttpRequest(shape, _from_v2(event, request_id))
    if shape is EventShape.LAMBDA_V1:
        return HttpRequest(shape, _from_v1(event, request_id))
    return HttpRequest(shape, _from_scf(event, request_id))


def to_platform_response(response: dict[str, Any], shape: EventShape) -> dict[str, Any]:
    """Reshape the resolver's HTTP API v2 response for the platform whose event `shape` came in."""
    if shape in (EventShape.LAMBDA_V2, EventShape.LAMBDA_URL):
        return response
    headers: dict[str, Any] = dict(response.get("headers") or {})
    shaped: dict[str, Any] = {
        "statusCode": response["statusCode"],
        "headers": headers,
        "body": response.get("body") or "",
        "isBase64Encoded": bool(response.get("isBase64Encoded")),
    }
    cookies = list(response.get("cookies") or ())
    if cookies and shape is EventShape.LAMBDA_V1:
        # REST APIs have no `cookies` field; several Set-Cookie values need multiValueHeaders.
        shaped["multiValueHeaders"] = {"Set-Cookie": cookies}
    elif cookies:
        # SCF reads only `headers`, whose values may be lists (integrated response, reference §4.3).
        headers["Set-Cookie"] = cookies[0] if len(cookies) == 1 else cookies
    return shaped


def json_response(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A JSON response every platform accepts as is (used before the event is resolved)."""
    return {
        "statusCode": int(status),
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _from_v2(event: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    context = event["requestContext"]
    if not isinstance(event.get("rawPath"), str) or not isinstance(context["http"].get("method"), str):
        raise UnsupportedEventError("The HTTP API event has no rawPath or requestContext.http.method.")
    _require_text_body(event)
    normalised = {
        **event,
        "headers": _lower_case_headers(event.get("headers")),
        "isBase64Encoded": _is_base64_encoded(event),
    }
    # AWS always sends both; hand-written test events may not, and Powertools and the logger read them.
    missing = {
        key: value
        for key, value in (("stage", DEFAULT_STAGE), ("requestId", request_id))
        if not context.get(key)
    }
    if missing:
        normalised["requestContext"] = {**context, **missing}
    return normalised


def _from_v1(event: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    context = event["requestContext"]
    # multiValue* carry every value; the single-value maps keep only the last (AWS REST proxy format).
    headers = _lower_case_headers(event.get("multiValueHeaders") or event.get("headers"))
    query = _query_values(event.get("multiValueQueryStringParameters") or event.get("queryStringParameters"))
    identity = context.get("identity")
    source_ip = (identity.get("sourceIp") if isinstance(identity, Mapping) else None) or ""
    return _from_proxy(event, context, headers, query, request_id, source_ip)


def _from_scf(event: Mapping[str, Any], request_id: str) -> dict[str, Any]:
    context = event.get("requestContext") or {}
    headers = _lower_case_headers(event.get("headers"))
    # `queryString` is the raw request's query; `queryStringParameters` seems to hold only the parameters
    # declared in the API's configuration (reference §4.3, UNCONFIRMED); Function URLs send only the former.
    raw_query = event.get("queryString")
    query = _query_values(raw_query if raw_query is not None else event.get("queryStringParameters"))
    # Function URLs put the client address in a header (reference §4.4).
    source_ip = context.get("sourceIp") or headers.get("x-scf-remote-addr", "")
    return _from_proxy(event, context, headers, query, request_id, source_ip)


def _from_proxy(
    event: Mapping[str, Any],
    context: Mapping[str, Any],
    headers: dict[str, str],
    query: dict[str, list[str]],
    request_id: str,
    source_ip: str,
) -> dict[str, Any]:
    """The v2 event of a proxy-shaped event (Lambda REST v1, SCF): method, path, stage and body where both
    put them. SCF API Gateway sets isBase64Encoded only when its Base64 feature fired (cloud.tencent.com
    1340/51799) and Function URLs never send it: absent means the body is text."""
    return _v2_event(
        method=event["httpMethod"],
        path=event["path"],
        stage=context.get("stage") or DEFAULT_STAGE,
        headers=headers,
        query=query,
        body=_require_text_body(event),
        is_base64=_is_base64_encoded(event),
        request_id=context.get("requestId") or request_id,
        source_ip=source_ip,
    )


# Paths. Routing uses the request path *without* the stage:
# - SCF API Gateway: top-level `path` is the request path after the stage (the public URL is
#   https://service-…apigw.tencentcs.com/<stage><path>; serverless-components/tencent-flask puts the stage
#   in SCRIPT_NAME and `path` in PATH_INFO). `requestContext.path` is the API's *definition*
#   (`/test/{path}`, reference §4.3), never the request, so it is ignored. An API published under a
#   sub-path makes `path` start with it: strip it with `create_resolver(strip_prefixes=…)`.
# - Lambda REST (v1): `path` is the resource path; the stage is only in `requestContext.path`.
# - Lambda HTTP API / Function URL (v2): `rawPath` includes a named stage; Powertools strips it.
# The v2 event built here keeps the platform's stage and sets rawPath = /<stage><path> (HTTP API
# semantics), so Powertools' stage stripping gives back exactly the routing path.
def _v2_event(
    *,
    method: str,
    path: str,
    stage: str,
    headers: dict[str, str],
    query: dict[str, list[str]],
    body: str | None,
    is_base64: bool,
    request_id: str,
    source_ip: str,
) -> dict[str, Any]:
    path = path if path.startswith("/") else f"/{path}"
    raw_path = path if stage == DEFAULT_STAGE else f"/{stage}{path}"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": urlencode([(name, value) for name, values in query.items() for value in values]),
        "headers": headers,
        # HTTP API joins repeated parameters with commas; Powertools splits them again.
        "queryStringParameters": {name: ",".join(values) for name, values in query.items()},
        "requestContext": {
            "domainName": headers.get("host", ""),
            "http": {
                "method": method.upper(),
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _lower_case_headers(raw: object) -> dict[str, str]:
    """Header names lower-cased (SCF samples differ in case, reference §4.3); list values and repeats joined
    with commas as HTTP API v2 does."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise UnsupportedEventError("The event's headers are not an object.")
    headers: dict[str, str] = {}
    for name, value in raw.items():
        if value is None:
            continue
        text = ",".join(str(item) for item in value) if isinstance(value, list) else str(value)
        key = str(name).lower()
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    return headers


def _query_values(raw: object) -> dict[str, list[str]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise UnsupportedEventError("The event's query parameters are not an object.")
    return {
        str(name): [str(item) for item in value] if isinstance(value, list) else [str(value)]
        for name, value in raw.items()
        if value is not None
    }


def body_size(event: Mapping[str, Any]) -> int:
    """Bytes of the request body as the client sent it (a base64-encoded body counted decoded)."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return len(body) * 3 // 4 - body[-2:].count("=")
    return len(body.encode("utf-8", "surrogatepass"))


def body_is_text(event: Mapping[str, Any]) -> bool:
    """False when a base64-encoded body does not decode to UTF-8 text: it cannot be the JSON any route takes,
    and Powertools would fail decoding it (SCF API Gateway, Lambda REST and HTTP API base64 binary bodies)."""
    body = event.get("body")
    if not event.get("isBase64Encoded") or not body:
        return True
    try:
        base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return True


def _is_base64_encoded(event: Mapping[str, Any]) -> bool:
    """The platform's isBase64Encoded flag. A JSON boolean from AWS; hand-written SCF events and test tools
    also send the string "true"/"True", and reading it as false would parse base64 text as the JSON body."""
    flag = event.get("isBase64Encoded")
    return flag is True or (isinstance(flag, str) and flag.strip().lower() == "true")


def _require_text_body(event: Mapping[str, Any]) -> str | None:
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        raise UnsupportedEventError("The event's body is not a string.")
    return body
