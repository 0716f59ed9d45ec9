"""One catalogue of every error a function can return: code, HTTP status, and what to do next.

Logic raises these by meaning; only the HTTP edge turns them into `{code, message, field?}`."""

# The class names are the wire codes users see (InvalidKey, RateLimited), so no "Error" suffix.
# ruff: noqa: N818

from typing import Any, ClassVar


class RelayError(Exception):
    """Base of the catalogue. Subclasses fix `code`, `status` and a default `message`."""

    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    message: ClassVar[str] = "Something went wrong on our side. Retry later; if it persists, contact support."
    # Seconds a client should wait before retrying when the raiser does not say (sent as Retry-After).
    default_retry_after: ClassVar[int | None] = None

    def __init__(
        self, message: str | None = None, *, field: str | None = None, retry_after: int | None = None
    ):
        self.detail = message or self.message
        self.field = field
        self.retry_after = retry_after if retry_after is not None else self.default_retry_after
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.detail}
        if self.field is not None:
            body["field"] = self.field
        return body

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


# --- 4xx: the caller can fix it -------------------------------------------------------------------------


class InvalidRequest(RelayError):
    code = "InvalidRequest"
    status = 400
    message = "The request is not valid. Fix the field named in `field` and send the request again."


class InvalidResourceUrl(RelayError):
    # Seed FAQ "invalid resourceUrl": FaceID only downloads from COS in the region it is called in.
    code = "InvalidResourceUrl"
    status = 400
    message = (
        "The resource URL must be a COS URL in this deployment's region, "
        "https://<bucket>-<appid>.cos.<region>.myqcloud.com/<key>. "
        "Upload through POST /uploads and pass the key instead, or pass a URL of a bucket in this region."
    )


class InvalidKey(RelayError):
    code = "InvalidKey"
    status = 400
    message = "This key was not issued by this deployment. Pass the key exactly as POST /uploads returned it."


class ReturnUrlNotAllowed(RelayError):
    code = "ReturnUrlNotAllowed"
    status = 400
    message = (
        "The returnUrl is not on an allowed origin. "
        "Use an https URL on one of the origins in RELAY_ALLOWED_RETURN_ORIGINS, "
        "or ask the operator to add yours."
    )


class InvalidToken(RelayError):
    code = "InvalidToken"
    status = 400
    message = (
        "The BizToken is malformed (expected a UUID such as 81EEF678-28EE-4759-A82E-6CBBBE6BC442). "
        "Pass the bizToken exactly as POST /verifications returned it."
    )


class Unauthorized(RelayError):
    code = "Unauthorized"
    status = 401
    message = "The app token is missing or wrong. Send it as 'Authorization: Bearer <token>'."

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "WWW-Authenticate": "Bearer"}


class UploadNotFound(RelayError):
    code = "UploadNotFound"
    status = 404
    message = (
        "Nothing has been uploaded under this key. "
        "PUT the bytes to the uploadUrl from POST /uploads (before it expires), then retry."
    )


class VerificationNotFound(RelayError):
    code = "VerificationNotFound"
    status = 404
    message = (
        "This deployment issued no verification with this BizToken. "
        "Check the token, and call the deployment (region) that issued it."
    )


class ComparisonNotFound(RelayError):
    code = "ComparisonNotFound"
    status = 404
    message = (
        "This deployment holds no liveness comparison with this id. "
        "Check the id, and call the deployment (region) that made it."
    )


class UploadNotReady(RelayError):
    code = "UploadNotReady"
    status = 409
    message = "The upload is still being checked (its MD5 is not recorded yet). Retry in a moment."
    default_retry_after = 1


class VerificationFinished(RelayError):
    code = "VerificationFinished"
    status = 409
    message = (
        "The verification is already finished; only a pending verification can be canceled. "
        "Read its result with GET /verifications/{bizToken}."
    )

    @classmethod
    def named(cls, status: str) -> "VerificationFinished":
        """The error naming the status the verification has."""
        return cls(cls.message.replace("already finished", f"already {status}"))


class VerificationPending(RelayError):
    code = "VerificationPending"
    status = 409
    message = (
        "The verification is still pending, and only a finished one can be redacted. "
        "Cancel it first (POST /verifications/{bizToken}/cancel) or wait for its result."
    )


class ContentChanged(RelayError):
    # Seed FAQ "MD5 error": the bytes FaceID would download are not the bytes whose MD5 we hold.
    code = "ContentChanged"
    status = 409
    message = (
        "The content no longer matches the MD5 recorded when it was uploaded. "
        "Upload it again with a new POST /uploads and use the new key."
    )


class LiveDataAlreadyUsed(RelayError):
    # Captured liveness data must not be replayable through the relay: one finished comparison per live data.
    code = "LiveDataAlreadyUsed"
    status = 409
    message = (
        "This live data was already used by another liveness comparison. "
        "Capture new live data with the SDK, upload it, and compare that."
    )


class VerificationExpired(RelayError):
    # FaceID InvalidParameterValue.BizTokenExpired (reference §1.4).
    code = "VerificationExpired"
    status = 410
    message = "The verification expired before it was completed. Start a new one with POST /verifications."


class ContentTooLarge(RelayError):
    code = "ContentTooLarge"
    status = 413
    message = (
        "The content is larger than this purpose allows. "
        "Make it smaller (for example, re-encode the image) and upload again."
    )


class UnsupportedContentType(RelayError):
    code = "UnsupportedContentType"
    status = 415
    message = (
        "This content type is not accepted for this purpose. "
        "Use one of the types listed for it and request a new upload."
    )


class InvalidContent(RelayError):
    # Seed FAQ "LifePhotoDetectFaces" / "invalid LiveData": base64 text uploaded where FaceID expects bytes.
    code = "InvalidContent"
    status = 422
    message = (
        "The upload is not the kind of content this step needs (for example base64 text where raw bytes are "
        "expected). Upload the raw bytes, not base64 text, and retry with the new key."
    )


class UploadRefused(RelayError):
    # An upload URL pins size, MD5 and type by signature; an object that differs got there another way
    # (a server-side copy, another writer), so it is never passed on.
    code = "UploadRefused"
    status = 422
    message = (
        "The object under this key is not the upload its URL was issued for. "
        "Upload again with a new POST /uploads and use the new key."
    )


class IdempotencyKeyReused(RelayError):
    code = "IdempotencyKeyReused"
    status = 422
    message = (
        "This Idempotency-Key was already used with a different request. "
        "Use a new key for a new request, or resend the original request unchanged."
    )


class ProviderRejected(RelayError):
    code = "ProviderRejected"
    status = 422
    message = "FaceID refused the input. Correct the input named by FaceID's code and send the request again."


class ProviderDownloadFailed(RelayError):
    # Seed FAQ FailedOperation.DownLoadError / DownLoadTimeoutError.
    code = "ProviderDownloadFailed"
    status = 424
    message = (
        "FaceID could not download the resource. Check that the URL answers a public GET, "
        "is in this deployment's region and has not expired, then retry."
    )


class UnsupportedEvent(RelayError):
    # The function was invoked with an event that is not one of the platforms' HTTP events (design: adapters).
    code = "UnsupportedEvent"
    status = 400
    message = (
        "This function answers HTTP events only. "
        "Send it an SCF API Gateway or Function URL event, or a Lambda v1 or v2 event."
    )


class RouteNotFound(RelayError):
    # Also a path parameter with characters no id has (the router's pattern refuses them before validation).
    code = "RouteNotFound"
    status = 404
    message = "This function serves no route with that method and path. Check both against the API document."


class RateLimited(RelayError):
    # FaceID RequestLimitExceeded / FailedOperation.RequestLimitExceeded, after our own backoff.
    code = "RateLimited"
    status = 429
    message = "FaceID's rate limit was reached. Retry after the number of seconds in Retry-After."
    default_retry_after = 1


# --- 5xx: the caller can only retry or tell the operator ---------------------------------------------------


class InternalError(RelayError):
    """The catalogue's name for an unexpected failure (same code, status and message as the base)."""


class ProviderAuthFailed(RelayError):
    # FaceID AuthFailure.* / UnauthorizedOperation.* (Nonactivated, Arrears, ...): the operator must act.
    code = "ProviderAuthFailed"
    status = 502
    message = (
        "FaceID refused this deployment's credentials. Ask the operator to check the function's credentials "
        "or role, and that FaceID is activated and paid for on the account."
    )


class ProviderMediaUnavailable(RelayError):
    code = "ProviderMediaUnavailable"
    status = 502
    message = (
        "FaceID's result media could not be downloaded intact. "
        "Retry the request soon; FaceID keeps the media only for a limited time."
    )


class ProviderUnavailable(RelayError):
    code = "ProviderUnavailable"
    status = 503
    message = "FaceID is not answering right now. Retry in a few seconds."
    default_retry_after = 2


class StorageUnavailable(RelayError):
    code = "StorageUnavailable"
    status = 503
    message = "The deployment's bucket is not answering right now. Retry in a few seconds."
    default_retry_after = 2


def catalogue() -> tuple[type[RelayError], ...]:
    """Every error this module defines, in the order above (for the docs and the tests)."""
    return tuple(error for error in RelayError.__subclasses__() if error.__module__ == __name__)
