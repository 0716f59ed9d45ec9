"""Builds the COS emulator's Starlette app: virtual-host and path-style bucket routes plus /_control/.

One app per configuration, all state inside it, so tests can run several emulators side by side."""

from starlette.applications import Starlette
from starlette.routing import Host, Mount, Route, Router

from localcloud.clock import Clock

from .api import CosEmulator, cos_endpoint
from .config import CosEmulatorConfig
from .control import control_routes
from .faults import FaultInjector
from .notifications import NotificationDispatcher
from .store import ObjectStore

# "<bucket>.cos.<region>.myqcloud.com" (SDK default), the newer "tencentcos.cn" domain and its internal
# form "cos-internal.<region>.tencentcos.cn", which the SDK uses with EnableOldDomain=False
# (qcloud_cos.cos_comm.format_endpoint / format_region); Starlette matches hosts without their port.
COS_DOMAINS = (
    "{bucket}.cos.{region}.myqcloud.com",
    "{bucket}.cos.{region}.tencentcos.cn",
    "{bucket}.cos-internal.{region}.tencentcos.cn",
)
# PATCH too, so that it gets COS's own 405 answer (with x-cos-request-id) rather than Starlette's.
METHODS = ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"]


def create_app(config: CosEmulatorConfig, clock: Clock | None = None) -> Starlette:
    """A COS emulator serving `config`'s buckets; `clock` decides signature expiry and Last-Modified."""
    clock = clock or Clock()
    emulator = CosEmulator(
        config=config,
        clock=clock,
        store=ObjectStore(
            config.data_dir, [bucket.name for bucket in config.buckets], clock, config.max_put_size
        ),
        notifications=NotificationDispatcher(),
        faults=FaultInjector(),
    )
    virtual_host = Router([Route("/{key:path}", cos_endpoint, methods=METHODS)])
    app = Starlette(
        routes=[
            *(Host(domain, app=virtual_host) for domain in COS_DOMAINS),
            # Bucket names cannot start with "_", so /_control/ never shadows a path-style bucket.
            Mount("/_control", routes=control_routes),
            Route("/{bucket}/{key:path}", cos_endpoint, methods=METHODS),
            Route("/{bucket}", cos_endpoint, methods=METHODS),
        ]
    )
    app.state.cos = emulator
    return app
