"""The emulator's control API under /_control/: move the clock, inject faults, script outcomes, read the
call log, reset. Bodies are pydantic models (faults.py); a malformed one is answered 400."""

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localcloud.errors import ClockAdvance, invalid_control_request
from localcloud.faceid.api import service_of
from localcloud.faceid.faults import Fault, Outcome


async def advance_clock(request: Request) -> Response:
    try:
        body = ClockAdvance.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid_control_request(error)
    clock = service_of(request).clock
    clock.advance(body.advance)
    return JSONResponse({"now": clock.now()})


async def add_fault(request: Request) -> Response:
    try:
        fault = Fault.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid_control_request(error)
    service_of(request).faults.add_fault(fault)
    return Response(status_code=204)


async def clear_faults(request: Request) -> Response:
    service_of(request).faults.clear_faults()
    return Response(status_code=204)


async def add_outcome(request: Request) -> Response:
    try:
        outcome = Outcome.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid_control_request(error)
    service_of(request).faults.add_outcome(outcome)
    return Response(status_code=204)


async def list_calls(request: Request) -> Response:
    return JSONResponse(service_of(request).faults.calls())


async def reset(request: Request) -> Response:
    service_of(request).reset()
    return Response(status_code=204)


control_routes = [
    Route("/clock", advance_clock, methods=["POST"]),
    Route("/faults", add_fault, methods=["POST"]),
    Route("/faults", clear_faults, methods=["DELETE"]),
    Route("/outcomes", add_outcome, methods=["POST"]),
    Route("/calls", list_calls, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
]
