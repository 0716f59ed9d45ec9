"""FaceID errors as typed exceptions that render their own API 3.0 wire form.

The rules raise them by meaning; the HTTP layer only asks each one for its JSON, as Tencent would send it."""

from typing import Any

from localcloud.errors import EmulatedError


class FaceIdError(EmulatedError):
    """One API 3.0 error: subclasses fix `code` and a default `message`.

    Wire form (reference §2, "Responses"): HTTP 200, `{"Response": {"Error": {"Code", "Message"},
    "RequestId"}}`; the SDK raises TencentCloudSDKException(Code, Message, RequestId) from it."""

    def to_response(self, request_id: str) -> dict[str, Any]:
        return {
            "Response": {"Error": {"Code": self.wire_code(), "Message": self.detail}, "RequestId": request_id}
        }


class InternalError(FaceIdError):
    pass


# Common codes (Tencent Cloud API 3.0 "Error Codes" pages, reference §2).


class InvalidAuthorizationError(FaceIdError):
    code = "AuthFailure.InvalidAuthorization"
    message = "The Authorization header is missing or not a valid TC3-HMAC-SHA256 authorization."


class SignatureFailureError(FaceIdError):
    code = "AuthFailure.SignatureFailure"
    message = "The provided credentials could not be validated. Please check your signature is correct."


class SignatureExpireError(FaceIdError):
    code = "AuthFailure.SignatureExpire"
    message = "Signature expired. Timestamp and server time cannot differ by more than five minutes."


class SecretIdNotFoundError(FaceIdError):
    code = "AuthFailure.SecretIdNotFound"
    message = "The SecretId is not found, please ensure that your SecretId is correct."


class TokenFailureError(FaceIdError):
    code = "AuthFailure.TokenFailure"
    message = "The token (X-TC-Token, or Token with signature v1) is missing or not this temporary key's."


class InvalidActionError(FaceIdError):
    code = "InvalidAction"
    message = "The requested action does not exist."


class NoSuchVersionError(FaceIdError):
    code = "NoSuchVersion"
    message = "The requested API version does not exist for service faceid."


class UnsupportedRegionError(FaceIdError):
    code = "UnsupportedRegion"
    message = "The action does not support this region."


class MissingParameterError(FaceIdError):
    code = "MissingParameter"
    message = "A required parameter is missing."


class UnknownParameterError(FaceIdError):
    code = "UnknownParameter"
    message = "The request contains a parameter that this action does not define."


class InvalidParameterError(FaceIdError):
    code = "InvalidParameter"
    message = "Invalid parameter."


class InvalidParameterValueError(FaceIdError):
    code = "InvalidParameterValue"
    message = "Incorrect parameter value."


class RequestSizeLimitExceededError(FaceIdError):
    # "RequestSizeLimitExceeded 请求包超过限制大小" (API 3.0 common error codes); limits in service.py.
    code = "RequestSizeLimitExceeded"
    message = "The request size exceeds the limit."


class RequestLimitExceededError(FaceIdError):
    code = "RequestLimitExceeded"
    message = "Number of requests exceeds the frequency limit."


# FaceID codes (tencentcloud-sdk-python-intl-en faceid/v20180301/errorcodes.py, reference §1.4).


class BizTokenIllegalError(FaceIdError):
    code = "InvalidParameterValue.BizTokenIllegal"
    message = "BizToken is invalid."


class BizTokenExpiredError(FaceIdError):
    code = "InvalidParameterValue.BizTokenExpired"
    message = "BizToken expired."


class Md5MismatchError(InvalidParameterValueError):
    # Users meet this as "MD5 Error" (FaceID FAQ, design.md error table); no dedicated code is documented.
    # InvalidParameterValue fits: the *Md5 parameter's value is wrong for the resource, and it is a
    # common code every action may return. It must not be a DownLoad* code: those mean "could not fetch".
    message = "MD5 Error: the MD5 given does not match the downloaded resource."


class DownLoadError(FaceIdError):
    code = "FailedOperation.DownLoadError"
    message = "File download failed."


class DownLoadTimeoutError(FaceIdError):
    code = "FailedOperation.DownLoadTimeoutError"
    message = "File download timed out."


class ImageDecodeFailedError(FaceIdError):
    # The image arrived but is not a JPEG/PNG (typically base64 text uploaded instead of the bytes).
    # Users also report FailedOperation.LifePhotoDetectFaces for this, but errorcodes.py defines that as
    # "Multiple faces detected" and it is not in DetectReflectLivenessAndCompare's documented code list,
    # while ImageDecodeFailedError ("Image decoding failed.") is.
    code = "FailedOperation.ImageDecodeFailed"
    message = "Image decoding failed."


class ImageSizeTooLargeError(FaceIdError):
    # Listed for the web flow in "Error Code" (https://www.tencentcloud.com/document/product/1061/37075).
    code = "FailedOperation.ImageSizeTooLarge"
    message = "Image size too large."


class InjectedError(FaceIdError):
    """An error the tests asked for through `POST /_control/faults`: any code, any message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)
