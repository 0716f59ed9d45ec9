"""COS errors as typed exceptions that render their own wire form (status + XML body).

The rules raise them by meaning; the HTTP layer only asks each one to render itself, as COS would."""

from typing import ClassVar
from xml.sax.saxutils import escape

from localcloud.errors import EmulatedError


class CosError(EmulatedError):
    """One COS error: subclasses fix `code`, `status` and a default `message`.

    Wire form from the COS "Error Codes" page (API 436/7730): `Content-Type: application/xml`, body
    `<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>`; qcloud_cos.cos_exception.digest_xml
    reads exactly these five elements."""

    status: ClassVar[int] = 500
    message: ClassVar[str] = "We encountered an internal error. Please try again."

    def wire_status(self) -> int:
        return self.status

    def to_xml(self, resource: str, request_id: str, trace_id: str) -> bytes:
        fields = {
            "Code": self.wire_code(),
            "Message": self.detail,
            "Resource": resource,
            "RequestId": request_id,
            "TraceId": trace_id,
        }
        inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields.items())
        return f"<?xml version='1.0' encoding='utf-8' ?>\n<Error>{inner}</Error>".encode()


class AccessDeniedError(CosError):
    code = "AccessDenied"
    status = 403
    message = "Access Denied."


class RequestExpiredError(AccessDeniedError):
    # COS answers an expired signature with AccessDenied "Request has expired" (COS FAQ 436/10687,
    # "403 Error for COS Access" 436/40105).
    message = "Request has expired"


class AccessForbiddenError(CosError):
    # A refused cross-origin request (CORS) is "AccessForbidden" (436/40105).
    code = "AccessForbidden"
    status = 403
    message = (
        "CORSResponse: This CORS request is not allowed. This is usually because the evaluation of Origin, "
        "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
        "whitelisted by the resource's CORS spec."
    )


class SignatureDoesNotMatchError(CosError):
    code = "SignatureDoesNotMatch"
    status = 403
    message = "The Signature you specified is invalid."


class InvalidAccessKeyIdError(CosError):
    # COS's words for an unknown SecretId (tencentyun/cos-php-sdk-v5#57, a real COS answer).
    code = "InvalidAccessKeyId"
    status = 403
    message = "The Access Key Id you provided does not exist in our records"


class InvalidTokenError(CosError):
    code = "InvalidToken"
    status = 403
    message = "The x-cos-security-token you provided does not match the temporary key."


class RequestTimeTooSkewedError(CosError):
    code = "RequestTimeTooSkewed"
    status = 403
    message = "The difference between the request time and the server's time is too large."


class NoSuchBucketError(CosError):
    code = "NoSuchBucket"
    status = 404
    message = "The specified bucket does not exist."


class NoSuchKeyError(CosError):
    code = "NoSuchKey"
    status = 404
    message = "The specified key does not exist."


class NoSuchUploadError(CosError):
    code = "NoSuchUpload"
    status = 404
    message = "The specified multipart upload does not exist."


class FileAlreadyExistsError(CosError):
    code = "FileAlreadyExists"
    status = 409
    message = "The object already exists and x-cos-forbid-overwrite is true."


class BadDigestError(CosError):
    code = "BadDigest"
    status = 400
    message = "The Content-MD5 you specified did not match what we received."


class InvalidDigestError(CosError):
    code = "InvalidDigest"
    status = 400
    message = "The Content-MD5 you specified is not valid."


class EntityTooLargeError(CosError):
    code = "EntityTooLarge"
    status = 400
    message = "Your proposed upload exceeds the maximum allowed object size."


class EntityTooSmallError(CosError):
    code = "EntityTooSmall"
    status = 400
    message = "Each part except the last must be at least 1 MB."


class InvalidArgumentError(CosError):
    code = "InvalidArgument"
    status = 400
    message = "Invalid argument."


class MalformedXMLError(CosError):
    code = "MalformedXML"
    status = 400
    message = "The XML you provided was not well-formed or did not validate against our published schema."


class InvalidTagError(CosError):
    code = "InvalidTag"
    status = 400
    message = "The tag set you provided is not valid."


class InvalidPartError(CosError):
    code = "InvalidPart"
    status = 400
    message = "One or more of the specified parts could not be found or its ETag did not match."


class InvalidPartOrderError(CosError):
    code = "InvalidPartOrder"
    status = 400
    message = "The list of parts was not in ascending order."


class NoSuchLifecycleConfigurationError(CosError):
    code = "NoSuchLifecycleConfiguration"
    status = 404
    message = "The lifecycle configuration does not exist."


class PreconditionFailedError(CosError):
    # "412 Precondition Failed" for an unmet If-Match / If-Unmodified-Since (GET Object 436/7753).
    code = "PreconditionFailed"
    status = 412
    message = "The preconditions you specified did not hold."


class MethodNotAllowedError(CosError):
    code = "MethodNotAllowed"
    status = 405
    message = "The specified method is not allowed against this resource."


class NoSuchCORSConfigurationError(CosError):
    code = "NoSuchCORSConfiguration"
    status = 404
    message = "The CORS configuration does not exist."


class InvalidRangeError(CosError):
    code = "InvalidRange"
    status = 416
    message = "The requested range is not satisfiable."


class NotImplementedByEmulatorError(CosError):
    code = "NotImplemented"
    status = 501
    message = "The local COS emulator does not implement this operation."


class InjectedFaultError(CosError):
    """An error the tests asked for through `POST /_control/faults`."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(f"Injected fault {code} ({status}) from the emulator's control API.", code=code)
        self._status = status

    def wire_status(self) -> int:
        return self._status
