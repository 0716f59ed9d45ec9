"""The emulator's control API under /_control/: move the clock, inject faults, watch notifications.

Tests drive time, failures and asynchronous deliveries through it instead of sleeping or guessing."""

from typing import Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localcloud.control import clock_route, control_endpoint

from .api import CosEmulator, run_lifecycle
from .faults import Fault


def emulator_of(request: Request) -> CosEmulator:
    emulator: CosEmulator = request.app.state.cos
    return emulator


def run_daily_lifecycle(request: Request) -> None:
    """COS's daily lifecycle run, for every day the clock entered (objects a rule expired are gone now)."""
    emulator = emulator_of(request)
    for bucket in emulator.config.buckets:
        run_lifecycle(emulator, bucket)


def add_fault(request: Request, fault: Fault) -> Response:
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
    clock_route(lambda request: emulator_of(request).clock, after=run_daily_lifecycle),
    Route("/faults", control_endpoint(Fault, add_fault), methods=["POST"]),
    Route("/faults", clear_faults, methods=["DELETE"]),
    Route("/deliveries", list_deliveries, methods=["GET"]),
    Route("/drain", drain_notifications, methods=["POST"]),
    Route("/reset", reset, methods=["POST"]),
]
