"""One catalogue of every error a function can return: code, HTTP status, and what to do next.

Logic raises these by meaning; only the HTTP edge turns them into `{code, message, field?}`."""

from typing import Any, ClassVar


class RelayError(Exception):
    """Base of the catalogue. Subclasses fix `code`, `status` and a default `message`."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "Something went wrong on our side. Retry later; if it persists, contact support."

    def __init__(self, message: str | None = None, *, field: str | None = None, retry_after: int | None = None):
        self.detail = message or self.message
        self.field = field
        self.retry_after = retry_after
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.detail}
        if self.field is not None:
            body["field"] = self.field
        return body

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
