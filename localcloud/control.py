"""What both emulators' /_control/ APIs share: bodies validated by pydantic (a malformed one is answered 400)
and the shared clock."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from localcloud.clock import Clock

Body = TypeVar("Body", bound=BaseModel)


class ClockAdvance(BaseModel):
    """`POST /_control/clock`: seconds to move the shared clock; negative winds it back, so a test can restore
    what it moved."""

    model_config = ConfigDict(extra="forbid", strict=True)

    advance: float


def invalid_control_request(error: ValidationError) -> JSONResponse:
    return JSONResponse({"code": "InvalidRequest", "message": str(error)}, status_code=400)


def control_endpoint(
    model: type[Body], apply: Callable[[Request, Body], Response]
) -> Callable[[Request], Awaitable[Response]]:
    """A /_control/ endpoint: the JSON body validated into `model` (else 400), then `apply`."""

    async def endpoint(request: Request) -> Response:
        try:
            body = model.model_validate_json(await request.body())
        except ValidationError as error:
            return invalid_control_request(error)
        return apply(request, body)

    return endpoint


def clock_route(
    clock_of: Callable[[Request], Clock], after: Callable[[Request], None] | None = None
) -> Route:
    """`POST /clock` with `{"advance": seconds}`: moves the emulator's clock, runs what time passing
    triggers (`after`), answers the new time."""

    def advance(request: Request, body: ClockAdvance) -> Response:
        clock = clock_of(request)
        clock.advance(body.advance)
        if after is not None:
            after(request)
        return JSONResponse({"now": clock.now()})

    return Route("/clock", control_endpoint(ClockAdvance, advance), methods=["POST"])
