"""What each FaceID error means for the app backend (the mapping lives in faceid.provider_error)."""

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from faceid_relay import errors
from faceid_relay.faceid import provider_error


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AuthFailure.SignatureFailure", errors.ProviderAuthFailed),
        ("AuthFailure.SecretIdNotFound", errors.ProviderAuthFailed),
        ("UnauthorizedOperation.Nonactivated", errors.ProviderAuthFailed),
        ("RequestLimitExceeded", errors.RateLimited),
        ("FailedOperation.RequestLimitExceeded", errors.RateLimited),
        ("FailedOperation.DownLoadError", errors.ProviderDownloadFailed),
        ("FailedOperation.DownLoadTimeoutError", errors.ProviderDownloadFailed),
        ("InvalidParameterValue.BizTokenExpired", errors.VerificationExpired),
        ("InvalidParameterValue.BizTokenIllegal", errors.VerificationNotFound),
        ("ClientNetworkError", errors.ProviderUnavailable),
        ("ServerNetworkError", errors.ProviderUnavailable),
        ("InternalError", errors.ProviderUnavailable),
        ("InvalidParameterValue", errors.ProviderRejected),
        ("FailedOperation.ImageDecodeFailed", errors.ProviderRejected),
    ],
)
def test_each_faceid_code_becomes_the_documented_error(code: str, expected: type[errors.RelayError]) -> None:
    mapped = provider_error(TencentCloudSDKException(code, "message from FaceID", "req-1"))

    assert type(mapped) is expected


def test_a_rate_limit_tells_the_caller_when_to_retry() -> None:
    mapped = provider_error(TencentCloudSDKException("RequestLimitExceeded", "slow down", "req-1"))

    assert mapped.headers() == {"Retry-After": "1"}


def test_an_md5_complaint_means_the_content_changed() -> None:
    mapped = provider_error(TencentCloudSDKException("InvalidParameterValue", "MD5 Error: mismatch", "req-2"))

    assert isinstance(mapped, errors.ContentChanged)


def test_provider_messages_never_reach_the_client_body() -> None:
    secretish = "q-signature=abcdef0123456789 x-cos-security-token=SECRET"
    mapped = provider_error(TencentCloudSDKException("InvalidParameterValue", secretish, "req-3"))

    assert "SECRET" not in str(mapped.body())
    assert "q-signature" not in str(mapped.body())
    assert "InvalidParameterValue" in mapped.body()["message"]


@pytest.mark.parametrize(
    "code", ["ChunkedEncodingError", "ConnectionError", "ReadTimeout", "ClientNetworkError"]
)
def test_a_broken_connection_is_a_temporary_provider_outage(code: str) -> None:
    mapped = provider_error(TencentCloudSDKException(code, "connection broken", None))

    assert isinstance(mapped, errors.ProviderUnavailable)
