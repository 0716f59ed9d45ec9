"""Builds the FaceID emulator's Starlette app: API 3.0 on `/` (POST and GET), the verification page on
/reflect/, and /_control/. One app per configuration, all state inside it (the service), as in the COS
emulator."""

from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from localcloud.clock import Clock
from localcloud.faceid.api import DROP_CONNECTION, call_api, show_verification, submit_verification
from localcloud.faceid.config import FaceIdEmulatorConfig
from localcloud.faceid.control import control_routes
from localcloud.faceid.service import FaceIdService


class FaceIdApp(Starlette):
    """Starlette plus the one network failure ASGI cannot express: closing without any reply."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> Any:
        await super().__call__(scope, receive, send)
        # uvicorn closes the transport without writing a byte when an ASGI app returns a value
        # (h11_impl.run_asgi: "ASGI callable should return None"); ASGI has no abort of its own.
        return "connection dropped by an injected fault" if scope.get(DROP_CONNECTION) else None


def create_app(config: FaceIdEmulatorConfig, clock: Clock | None = None) -> Starlette:
    """A FaceID emulator for `config`; `clock` decides BizToken and resource URL lifetimes."""
    app = FaceIdApp(
        routes=[
            # API 3.0 takes GET and POST (请求结构, https://cloud.tencent.com/document/product/1278/46710).
            Route("/", call_api, methods=["GET", "POST"]),
            Route("/reflect/", show_verification, methods=["GET"]),
            Route("/reflect/", submit_verification, methods=["POST"]),
            Mount("/_control", routes=control_routes),
        ]
    )
    app.state.faceid = FaceIdService(config, clock or Clock())
    return app
