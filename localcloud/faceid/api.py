"""The HTTP layer of the FaceID emulator: API 3.0 on `/` and the verification page on `/reflect/`.
Thin: parse, call the service, render (routes in app.py, the test control plane in control.py)."""

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from localcloud.faceid import pages
from localcloud.faceid.errors import FaceIdError, InjectedError
from localcloud.faceid.faults import Fault
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


# Set on the scope by an endpoint whose connection must close without any reply (app.FaceIdApp acts on it).
DROP_CONNECTION = "localcloud.faceid.drop_connection"


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


def service_of(request: Request) -> FaceIdService:
    service: FaceIdService = request.app.state.faceid
    return service


async def call_api(request: Request) -> Response:
    """API 3.0: authenticate, apply an injected fault if one is queued, run the action, log the call."""
    service = service_of(request)
    body = await request.body()
    signed = SignedRequest(
        method=request.method,
        path=request.scope.get("raw_path", b"/").decode("latin-1"),
        query=request.scope["query_string"].decode("latin-1"),
        headers={name.lower(): value for name, value in request.headers.items()},
        body=body,
    )
    # For the call log only: v1 carries Action and Region among the parameters, not in headers.
    common = signed.form() if signed.is_signature_v1 else {}
    action = signed.headers.get("x-tc-action", common.get("Action", ""))
    region = signed.headers.get("x-tc-region", common.get("Region", ""))
    request_id = str(uuid.uuid4())
    try:
        caller = service.authenticate(signed)
        fault = service.faults.take_fault(caller.action.name)
        if fault is not None:
            await asyncio.sleep(fault.delay_seconds)
            broken = _broken_reply(fault)
            if broken is not None:
                reply, code = broken
                service.faults.record(action, region, code)
                return reply
            if fault.error_code is not None:
                raise InjectedError(fault.error_code, fault.message)
        answer = await run_in_threadpool(service.handle, caller, body)
    except FaceIdError as error:
        service.faults.record(action, region, error.wire_code())
        return TencentJSONResponse(error.to_response(request_id))
    service.faults.record(action, region, None)
    return TencentJSONResponse({"Response": {**answer, "RequestId": request_id}})


def _broken_reply(fault: Fault) -> tuple[Response, str] | None:
    """The reply of a fault that breaks the transport, and the code the call log shows for it."""
    if fault.http_status is not None:
        reply = PlainTextResponse("Injected fault", status_code=fault.http_status)
        return reply, f"InjectedFault.HttpStatus{fault.http_status}"
    if fault.drop_connection:
        return DroppedConnection(), "InjectedFault.DropConnection"
    if fault.truncate_body:
        return TruncatedResponse(), "InjectedFault.TruncatedBody"
    return None


async def show_verification(request: Request) -> Response:
    token = request.query_params.get("token", "")
    state = service_of(request).open_verification(token)
    return _page_for(state) or HTMLResponse(pages.verification_page(token))


async def submit_verification(request: Request) -> Response:
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (form.get("token") or [request.query_params.get("token", "")])[0]
    try:
        choice = Choice((form.get("outcome") or [""])[0])
    except ValueError:
        return HTMLResponse(pages.bad_request_page("Choose Pass, Fail or Spoof."), status_code=400)
    try:
        state, redirect_url = await run_in_threadpool(service_of(request).submit_verification, token, choice)
    except FaceIdError as error:
        return HTMLResponse(pages.bad_request_page(error.detail), status_code=500)
    if redirect_url is not None:
        return RedirectResponse(redirect_url, status_code=302)
    return _page_for(state) or HTMLResponse(pages.completed_page())


def _page_for(state: PageState) -> HTMLResponse | None:
    """The page for a token that cannot be verified now; None when it can."""
    if state is PageState.UNKNOWN:
        return HTMLResponse(pages.unknown_token_page(), status_code=404)
    if state is PageState.EXPIRED:
        return HTMLResponse(pages.expired_page(), status_code=410)
    if state is PageState.COMPLETED:
        return HTMLResponse(pages.completed_page())
    return None
