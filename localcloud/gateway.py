"""The local gateway: HTTP in, a platform event out, the function invoked in-process.

It plays the part of SCF API Gateway / Function URL or Lambda's HTTP API, so the same handlers that
deploy can be served locally. Routes come from ROUTES, the one table of what each function serves."""

import base64
import importlib.util
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from faceid_relay.compat import StrEnum

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class EventShape(StrEnum):
    """The platform whose event the gateway builds (and whose response it expects back)."""

    SCF_APIGW = "scf-apigw"
    SCF_URL = "scf-url"
    LAMBDA_V1 = "lambda-v1"
    LAMBDA_V2 = "lambda-v2"


@dataclass(frozen=True)
class FunctionRoute:
    method: str
    path: str
    function: str


ROUTES: tuple[FunctionRoute, ...] = (
    FunctionRoute("POST", "/uploads", "presign_upload"),
    FunctionRoute("POST", "/sequences", "sequence_generation"),
    FunctionRoute("POST", "/liveness-comparisons", "liveness_compare"),
    FunctionRoute("GET", "/liveness-comparisons/{id}", "liveness_compare"),
    FunctionRoute("POST", "/verifications", "token_issuance"),
    FunctionRoute("GET", "/verifications/{bizToken}", "result_read"),
    FunctionRoute("POST", "/verifications/{bizToken}/cancel", "verification_lifecycle"),
    FunctionRoute("POST", "/verifications/{bizToken}/redact", "verification_lifecycle"),
    FunctionRoute("POST", "/liveness-comparisons/{id}/redact", "verification_lifecycle"),
    FunctionRoute("GET", "/callback", "redirect_callback"),
)
EVENT_FUNCTIONS: tuple[str, ...] = ("hash_on_upload", "lifecycle_sweeper")


def load_function(function: str, environ: Mapping[str, str] | None = None) -> ModuleType:
    """Import functions/<function>/app.py under a unique module name, as its own deployment would, its cold
    start reading `environ` over this process's environment; os.environ is left as it was."""
    path = FUNCTIONS_DIR / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"functions_{function}_app", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, environ or {}):
        spec.loader.exec_module(module)
    return module


def load_handler(function: str, environ: Mapping[str, str] | None = None) -> Handler:
    handler: Handler = load_function(function, environ).handler
    return handler


@dataclass
class LocalLambdaContext:
    """What Lambda passes as `context` (the fields Powertools reads)."""

    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"
    timeout_seconds: float = 30.0

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:local:000000000000:function:{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def make_context(shape: EventShape, function: str, request_id: str) -> Any:
    """SCF passes a plain dict; Lambda an object."""
    if shape in (EventShape.SCF_APIGW, EventShape.SCF_URL):
        return {
            "request_id": request_id,
            "function_name": function,
            "function_version": "$LATEST",
            "namespace": "default",
            "memory_limit_in_mb": 256,
            "time_limit_in_ms": 30000,
        }
    return LocalLambdaContext(function_name=function, aws_request_id=request_id)


@dataclass(frozen=True)
class Incoming:
    """One HTTP request as every platform's event needs it."""

    route: FunctionRoute
    request: Request
    text: str
    is_base64: bool
    request_id: str
    source_ip: str
    now: float

    @property
    def query(self) -> dict[str, str]:
        return dict(self.request.query_params)

    @property
    def path(self) -> str:
        """The decoded path as the platforms pass it. Not `request.url.path`: rebuilding the URL goes through
        urlsplit, which silently drops CR, LF and tab (a %0D in a BizToken would vanish)."""
        path: str = self.request.scope["path"]
        return path

    @property
    def clock_text(self) -> str:
        return time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(self.now))


def _scf_url_event(incoming: Incoming) -> dict[str, Any]:
    """SCF Function URL (reference §4.3): lower-case headers plus the caller's address."""
    request = incoming.request
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["x-scf-remote-addr"] = incoming.source_ip
    return {
        "body": incoming.text,
        "headers": headers,
        "httpMethod": request.method,
        "path": incoming.path,
        "queryString": incoming.query,
    }


def _scf_apigw_event(incoming: Incoming) -> dict[str, Any]:
    """SCF API Gateway trigger (reference §4.4)."""
    request, route = incoming.request, incoming.route
    return {
        "requestContext": {
            "serviceId": "service-local0000",
            "path": route.path,
            "httpMethod": request.method,
            "requestId": incoming.request_id,
            "identity": {},
            "sourceIp": incoming.source_ip,
            "stage": "release",
        },
        "headers": dict(request.headers.items()),
        "body": incoming.text,
        "isBase64Encoded": incoming.is_base64,
        "pathParameters": dict(request.path_params),
        "queryStringParameters": incoming.query,
        "headerParameters": {},
        "stageVariables": {"stage": "release"},
        "path": incoming.path,
        "queryString": incoming.query,
        "httpMethod": request.method,
    }


def _lambda_v1_event(incoming: Incoming) -> dict[str, Any]:
    """Lambda behind an API Gateway REST API (payload format 1.0)."""
    request, route, query = incoming.request, incoming.route, incoming.query
    return {
        "resource": route.path,
        "path": incoming.path,
        "httpMethod": request.method,
        "headers": dict(request.headers.items()),
        "multiValueHeaders": {k: request.headers.getlist(k) for k in request.headers},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: request.query_params.getlist(k) for k in query} or None,
        "pathParameters": dict(request.path_params) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "resourcePath": route.path,
            "httpMethod": request.method,
            "path": f"/Prod{incoming.path}",
            "protocol": "HTTP/1.1",
            "requestId": incoming.request_id,
            "requestTime": incoming.clock_text,
            "requestTimeEpoch": int(incoming.now * 1000),
            "identity": {"sourceIp": incoming.source_ip, "userAgent": request.headers.get("user-agent", "")},
            "stage": "Prod",
        },
        "body": incoming.text or None,
        "isBase64Encoded": incoming.is_base64,
    }


def _lambda_v2_event(incoming: Incoming) -> dict[str, Any]:
    """Lambda behind an HTTP API or a Function URL (payload format 2.0)."""
    request, route = incoming.request, incoming.route
    route_key = f"{route.method} {route.path}"
    return {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": incoming.path,
        "rawQueryString": request.url.query,
        "headers": {k: ",".join(request.headers.getlist(k)) for k in request.headers},
        "queryStringParameters": incoming.query or None,
        "pathParameters": dict(request.path_params) or None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": request.url.netloc,
            "http": {
                "method": request.method,
                "path": incoming.path,
                "protocol": "HTTP/1.1",
                "sourceIp": incoming.source_ip,
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": incoming.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": incoming.clock_text,
            "timeEpoch": int(incoming.now * 1000),
        },
        "body": incoming.text or None,
        "isBase64Encoded": incoming.is_base64,
    }


EVENT_BUILDERS: Mapping[EventShape, Callable[[Incoming], dict[str, Any]]] = {
    EventShape.SCF_URL: _scf_url_event,
    EventShape.SCF_APIGW: _scf_apigw_event,
    EventShape.LAMBDA_V1: _lambda_v1_event,
    EventShape.LAMBDA_V2: _lambda_v2_event,
}


def build_event(
    shape: EventShape, route: FunctionRoute, request: Request, body: bytes, request_id: str
) -> dict[str, Any]:
    """The event each platform would deliver for this request (reference §4.3, §4.4; AWS payload docs)."""
    try:
        text, is_base64 = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, is_base64 = base64.b64encode(body).decode("ascii"), True
    source_ip = request.client.host if request.client else "127.0.0.1"
    incoming = Incoming(route, request, text, is_base64, request_id, source_ip, time.time())
    return EVENT_BUILDERS[shape](incoming)


def to_http_response(result: Mapping[str, Any]) -> Response:
    """Read the function's answer the way the platform does: statusCode, headers, body, isBase64Encoded."""
    status = int(result.get("statusCode", 200))
    body_text = result.get("body") or ""
    body = base64.b64decode(body_text) if result.get("isBase64Encoded") else str(body_text).encode("utf-8")
    response = Response(content=body, status_code=status)
    for name, value in (result.get("headers") or {}).items():
        for item in value if isinstance(value, list) else [value]:
            response.headers.append(name, str(item))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        if name not in (result.get("headers") or {}):
            for item in values:
                response.headers.append(name, str(item))
    for cookie in result.get("cookies") or []:
        response.headers.append("set-cookie", cookie)
    return response


def create_app(
    shape: EventShape, handlers: Mapping[str, Handler], extra_routes: list[BaseRoute]
) -> Starlette:
    """Routes from ROUTES, plus `/_invoke/<function>`: what COS notifications call (SCF's async invoke)."""

    def endpoint_for(route: FunctionRoute) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            request_id = str(uuid.uuid4())
            event = build_event(shape, route, request, await request.body(), request_id)
            context = make_context(shape, route.function, request_id)
            result = await run_in_threadpool(handlers[route.function], event, context)
            return to_http_response(result)

        return endpoint

    async def invoke(request: Request) -> Response:
        function = request.path_params["function"]
        if function not in handlers:
            return JSONResponse({"code": "FunctionNotFound", "message": f"no function {function}"}, 404)
        event = await request.json()
        request_id = str(uuid.uuid4())
        context = make_context(EventShape.SCF_APIGW, function, request_id)
        result = await run_in_threadpool(handlers[function], event, context)
        return JSONResponse(result)

    routes: list[BaseRoute] = [
        # OPTIONS too: a browser's CORS preflight reaches the function, as on a Function URL.
        Route(r.path, endpoint_for(r), methods=[r.method, "OPTIONS"])
        for r in ROUTES
        if r.function in handlers
    ]
    routes.append(Route("/_invoke/{function}", invoke, methods=["POST"]))
    routes.extend(extra_routes)
    return Starlette(routes=routes)
