"""What both emulators share: the error base each service's typed errors derive from (they render their own
wire form, XML for COS, API 3.0 JSON for FaceID), and the control API's common body and 400 answer."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.responses import JSONResponse


class EmulatedError(Exception):
    """One error as the real service names it: subclasses fix `code` and a default `message`; an injected
    fault may choose any code per instance."""

    code: ClassVar[str] = "InternalError"
    message: ClassVar[str] = "Internal error."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.detail = message or self.message
        self._code = code
        super().__init__(self.detail)

    def wire_code(self) -> str:
        return self._code or self.code


class ClockAdvance(BaseModel):
    """`POST /_control/clock`: seconds to move the shared clock; negative winds it back, so a test can restore
    what it moved."""

    model_config = ConfigDict(extra="forbid", strict=True)

    advance: float


def invalid_control_request(error: ValidationError) -> JSONResponse:
    return JSONResponse({"code": "InvalidRequest", "message": str(error)}, status_code=400)
