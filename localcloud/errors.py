"""The error base both emulators' typed errors derive from; each service's errors render their own wire
form (XML for COS, API 3.0 JSON for FaceID)."""

from typing import ClassVar


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
