"""The HTTP face of the FaceID emulator: API 3.0 on `POST /`, the verification page on `/reflect/`, and
the test control plane on `/_control/`. Thin: parse, call the service, render."""

import asyncio
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from localcloud.clock import Clock
from localcloud.faceid import pages
from localcloud.faceid.config import FaceIdEmulatorConfig
from localcloud.faceid.control import ControlRequestError
from localcloud.faceid.errors import FaceIdError, InjectedError
from localcloud.faceid.service import FaceIdService
from localcloud.faceid.signing import SignedRequest
from localcloud.faceid.web import Choice, PageState

# The SDK raises on an error reply only when Content-Type is exactly this (AbstractClient._check_error:
# `if ct not in ('text/plain', 'application/json'): return`); a charset suffix makes errors silent.
API_CONTENT_TYPE = "application/json"


class TencentJSONResponse(Response):
    media_type = API_CONTENT_TYPE

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# Set on the scope by an endpoint whose connection must close without any reply.
DROP_CONNECTION = "localcloud.faceid.drop_connection"


class FaceIdApp(Starlette):
    """Starlette plus the one network failure ASGI cannot express: closing without any reply."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        await super().__call__(scope, receive, send)
        # uvicorn closes the transport without writing a byte when an ASGI app returns a value
        # (h11_impl.run_asgi: "ASGI callable should return None"); ASGI has no abort of its own.
        return "connection dropped by an injected fault" if scope.get(DROP_CONNECTION) else None


class DroppedConnection(Response):
    """No reply at all: the SDK's request fails inside requests, which it reports as ClientNetworkError."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[DROP_CONNECTION] = True


class TruncatedResponse(Response):
    """Headers promising 4 KiB, a few bytes, then the connection closes (uvicorn closes it when an app
    returns mid-body). The SDK reads bodies lazily (requests `stream=True`), so this surfaces after the
    request "succeeded": FaceidClient raises TencentCloudSDKException("ChunkedEncodingError") and
    CommonClient.call_json lets requests' ChunkedEncodingError escape unwrapped."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", API_CONTENT_TYPE.encode()), (b"content-length", b"4096")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"Response": {', "more_body": True})


def create_app(config: FaceIdEmulatorConfig, clock: Clock | None = None) -> Starlette:
    clock = clock or Clock()
    service = FaceIdService(config, clock)

    async def call_api(request: Request) -> Response:
        body = await request.body()
        signed = SignedRequest(
            method=request.method,
            path=request.scope.get("raw_path", b"/").decode("latin-1"),
            query=request.scope["query_string"].decode("latin-1"),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=body,
        )
        action = signed.headers.get("x-tc-action", "")
        region = signed.headers.get("x-tc-region", "")
        request_id = str(uuid.uuid4())
        try:
            caller = service.authenticate(signed)
            fault = service.control.take_fault(caller.action.name)
            if fault is not None:
                await asyncio.sleep(fault.delay_seconds)
                if fault.http_status is not None:
                    service.control.record(action, region, f"InjectedFault.HttpStatus{fault.http_status}")
                    return PlainTextResponse("Injected fault", status_code=fault.http_status)
                if fault.drop_connection:
                    service.control.record(action, region, "InjectedFault.DropConnection")
                    return DroppedConnection()
                if fault.truncate_body:
                    service.control.record(action, region, "InjectedFault.TruncatedBody")
                    return TruncatedResponse()
                if fault.error_code is not None:
                    raise InjectedError(fault.error_code, fault.message)
            answer = await run_in_threadpool(service.handle, caller, body)
        except FaceIdError as error:
            service.control.record(action, region, error.wire_code())
            return TencentJSONResponse(error.to_response(request_id))
        service.control.record(action, region, None)
        return TencentJSONResponse({"Response": {**answer, "RequestId": request_id}})

    async def show_verification(request: Request) -> Response:
        token = request.query_params.get("token", "")
        return _page_for(service.open_verification(token)) or HTMLResponse(pages.verification_page(token))

    async def submit_verification(request: Request) -> Response:
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        token = (form.get("token") or [request.query_params.get("token", "")])[0]
        try:
            choice = Choice((form.get("outcome") or [""])[0])
        except ValueError:
            return HTMLResponse(pages.bad_request_page("Choose Pass, Fail or Spoof."), status_code=400)
        try:
            state, redirect_url = await run_in_threadpool(service.submit_verification, token, choice)
        except FaceIdError as error:
            return HTMLResponse(pages.bad_request_page(error.detail), status_code=500)
        if redirect_url is not None:
            return RedirectResponse(redirect_url, status_code=302)
        return _page_for(state) or HTMLResponse(pages.completed_page())

    async def add_fault(request: Request) -> Response:
        return await _control(request, service.control.add_fault)

    async def clear_faults(request: Request) -> Response:
        service.control.clear_faults()
        return Response(status_code=204)

    async def add_outcome(request: Request) -> Response:
        return await _control(request, service.control.add_outcome)

    async def advance_clock(request: Request) -> Response:
        def advance(spec: dict[str, Any]) -> None:
            seconds = spec.get("advance")
            # Negative values wind the clock back, so a test can restore what it moved (as the COS emulator).
            if isinstance(seconds, bool) or not isinstance(seconds, int | float):
                raise ControlRequestError("advance must be a number of seconds")
            clock.advance(seconds)

        response = await _control(request, advance)
        return JSONResponse({"now": clock.now()}) if response.status_code == 204 else response

    async def list_calls(request: Request) -> Response:
        return JSONResponse(service.control.calls())

    async def reset(request: Request) -> Response:
        service.reset()
        return Response(status_code=204)

    return FaceIdApp(
        routes=[
            Route("/", call_api, methods=["POST"]),
            Route("/reflect/", show_verification, methods=["GET"]),
            Route("/reflect/", submit_verification, methods=["POST"]),
            Route("/_control/faults", add_fault, methods=["POST"]),
            Route("/_control/faults", clear_faults, methods=["DELETE"]),
            Route("/_control/outcomes", add_outcome, methods=["POST"]),
            Route("/_control/clock", advance_clock, methods=["POST"]),
            Route("/_control/calls", list_calls, methods=["GET"]),
            Route("/_control/reset", reset, methods=["POST"]),
        ]
    )


def _page_for(state: PageState) -> HTMLResponse | None:
    """The page for a token that cannot be verified now; None when it can."""
    if state is PageState.UNKNOWN:
        return HTMLResponse(pages.unknown_token_page(), status_code=404)
    if state is PageState.EXPIRED:
        return HTMLResponse(pages.expired_page(), status_code=410)
    if state is PageState.COMPLETED:
        return HTMLResponse(pages.completed_page())
    return None


async def _control(request: Request, apply: Callable[[dict[str, Any]], None]) -> Response:
    try:
        spec = json.loads(await request.body() or b"{}")
        if not isinstance(spec, dict):
            raise ControlRequestError("the body must be a JSON object")
        apply(spec)
    except (json.JSONDecodeError, ControlRequestError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return Response(status_code=204)
