"""The local gateway: HTTP in, a platform event out, the function invoked in-process.

It plays the part of SCF API Gateway / Function URL or Lambda's HTTP API, so the same handlers that
deploy can be served locally. Routes come from ROUTES, the one table of what each function serves."""

import base64
import importlib.util
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

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
    FunctionRoute("POST", "/verifications", "token_issuance"),
    FunctionRoute("GET", "/verifications/{bizToken}", "result_read"),
    FunctionRoute("POST", "/verifications/{bizToken}/cancel", "verification_lifecycle"),
    FunctionRoute("POST", "/verifications/{bizToken}/redact", "verification_lifecycle"),
    FunctionRoute("GET", "/callback", "redirect_callback"),
)
EVENT_FUNCTIONS: tuple[str, ...] = ("hash_on_upload", "lifecycle_sweeper")


def load_handler(function: str) -> Handler:
    """Import functions/<function>/app.py under a unique module name, as its own deployment would."""
    path = FUNCTIONS_DIR / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"functions_{function}_app", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module: ModuleType = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Handler = module.handler
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


def _body_fields(body: bytes) -> tuple[str, bool]:
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def build_event(
    shape: EventShape, route: FunctionRoute, request: Request, body: bytes, request_id: str
) -> dict[str, Any]:
    """The event each platform would deliver for this request (reference §4.3, §4.4; AWS payload docs)."""
    text, is_b64 = _body_fields(body)
    query = dict(request.query_params)
    path = request.url.path
    source_ip = request.client.host if request.client else "127.0.0.1"
    if shape is EventShape.SCF_URL:
        headers = {k.lower(): v for k, v in request.headers.items()}
        headers["x-scf-remote-addr"] = source_ip
        return {
            "body": text,
            "headers": headers,
            "httpMethod": request.method,
            "path": path,
            "queryString": query,
        }
    if shape is EventShape.SCF_APIGW:
        headers = dict(request.headers.items())
        return {
            "requestContext": {
                "serviceId": "service-local0000",
                "path": route.path,
                "httpMethod": request.method,
                "requestId": request_id,
                "identity": {},
                "sourceIp": source_ip,
                "stage": "release",
            },
            "headers": headers,
            "body": text,
            "isBase64Encoded": is_b64,
            "pathParameters": dict(request.path_params),
            "queryStringParameters": query,
            "headerParameters": {},
            "stageVariables": {"stage": "release"},
            "path": path,
            "queryString": query,
            "httpMethod": request.method,
        }
    now = time.time()
    if shape is EventShape.LAMBDA_V1:
        return {
            "resource": route.path,
            "path": path,
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
                "path": f"/Prod{path}",
                "protocol": "HTTP/1.1",
                "requestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "identity": {"sourceIp": source_ip, "userAgent": request.headers.get("user-agent", "")},
                "stage": "Prod",
            },
            "body": text or None,
            "isBase64Encoded": is_b64,
        }
    return {
        "version": "2.0",
        "routeKey": f"{route.method} {route.path}",
        "rawPath": path,
        "rawQueryString": request.url.query,
        "headers": {k: ",".join(request.headers.getlist(k)) for k in request.headers},
        "queryStringParameters": query or None,
        "pathParameters": dict(request.path_params) or None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": request.url.netloc,
            "http": {
                "method": request.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": request.headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": f"{route.method} {route.path}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": text or None,
        "isBase64Encoded": is_b64,
    }


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
