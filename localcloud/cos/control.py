"""The emulator's control API under /_control/: move the clock, inject faults, watch notifications.

Tests drive time, failures and asynchronous deliveries through it instead of sleeping or guessing."""

from typing import Any

import anyio
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from localcloud.errors import ClockAdvance, invalid_control_request

from .api import CosEmulator, run_lifecycle
from .faults import Fault


def emulator_of(request: Request) -> CosEmulator:
    emulator: CosEmulator = request.app.state.cos
    return emulator


async def advance_clock(request: Request) -> JSONResponse:
    try:
        body = ClockAdvance.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid_control_request(error)
    emulator = emulator_of(request)
    emulator.clock.advance(body.advance)
    # COS's daily lifecycle run, for every day the clock entered (objects a rule expired are gone now).
    for bucket in emulator.config.buckets:
        run_lifecycle(emulator, bucket)
    return JSONResponse({"now": emulator.clock.now()})


async def add_fault(request: Request) -> JSONResponse:
    try:
        fault = Fault.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid_control_request(error)
    emulator_of(request).faults.add(fault)
    return JSONResponse(fault.model_dump(), status_code=201)


async def clear_faults(request: Request) -> JSONResponse:
    emulator_of(request).faults.clear()
    return JSONResponse({"cleared": True})


async def list_deliveries(request: Request) -> JSONResponse:
    deliveries: list[dict[str, Any]] = emulator_of(request).notifications.deliveries()
    return JSONResponse(deliveries)


async def drain_notifications(request: Request) -> JSONResponse:
    """Returns once every queued delivery was attempted (in a thread: a target may be this very server)."""
    notifications = emulator_of(request).notifications
    await anyio.to_thread.run_sync(notifications.drain)
    return JSONResponse(notifications.deliveries())


async def reset(request: Request) -> JSONResponse:
    emulator = emulator_of(request)
    emulator.faults.clear()
    emulator.notifications.reset()
    return JSONResponse({"reset": True})


control_routes = [
    Route("/clock", advance_clock, methods=["POST"]),
    Route("/faults", add_fault, methods=["POST"]),
    Route("/faults", clear_faults, methods=["DELETE"]),
    Route("/deliveries", list_deliveries, methods=["GET"]),
    Route("/drain", drain_notifications, methods=["POST"]),
    Route("/reset", reset, methods=["POST"]),
]
