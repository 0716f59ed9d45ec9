"""The emulator's control API under /_control/: move the clock, inject faults, script outcomes, read the
call log, reset. Bodies are pydantic models (faults.py); a malformed one is answered 400."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localcloud.control import clock_route, control_endpoint
from localcloud.faceid.api import service_of
from localcloud.faceid.faults import Fault, Outcome


def add_fault(request: Request, fault: Fault) -> Response:
    service_of(request).faults.add_fault(fault)
    return Response(status_code=204)


async def clear_faults(request: Request) -> Response:
    service_of(request).faults.clear_faults()
    return Response(status_code=204)


def add_outcome(request: Request, outcome: Outcome) -> Response:
    service_of(request).faults.add_outcome(outcome)
    return Response(status_code=204)


async def list_calls(request: Request) -> Response:
    return JSONResponse(service_of(request).faults.calls())


async def reset(request: Request) -> Response:
    service_of(request).reset()
    return Response(status_code=204)


control_routes = [
    clock_route(lambda request: service_of(request).clock),
    Route("/faults", control_endpoint(Fault, add_fault), methods=["POST"]),
    Route("/faults", clear_faults, methods=["DELETE"]),
    Route("/outcomes", control_endpoint(Outcome, add_outcome), methods=["POST"]),
    Route("/calls", list_calls, methods=["GET"]),
    Route("/reset", reset, methods=["POST"]),
]
