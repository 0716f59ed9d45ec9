"""What one FaceID emulator needs to know: accepted keys, how to reach COS, its own buckets, its URL.

Checked once at start, so a stack that cannot serve an action fails with a clear message, not mid-test."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from localcloud.accounts import KeyPair
from localcloud.faceid.catalogue import ACTIONS, DEFAULT_RATE_LIMITS, LEGACY_WEB_REGIONS, REFLECT_REGIONS

# Regions where the emulator writes to its own bucket: CreateUploadUrl, sequences, best frames (reflect
# actions) and legacy result media (ApplyWebVerificationToken / GetWebVerificationResult).
BUCKET_REGIONS = REFLECT_REGIONS | LEGACY_WEB_REGIONS
# COS bucket naming (https://www.tencentcloud.com/document/product/436/13312): "<BucketName>-<APPID>".
BUCKET_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-\d+$")


@dataclass(frozen=True)
class FaceIdEmulatorConfig:
    """`rate_limits` entries override the documented defaults per action (20/s; 5/s for
    GenerateReflectSequence and DetectReflectLivenessAndCompare)."""

    keys: Sequence[KeyPair]
    cos_endpoint: str
    resource_buckets: Mapping[str, str]
    cos_key: KeyPair
    public_base_url: str
    cos_public_base_url: str | None = None
    download_timeout_seconds: float = 5.0
    rate_limits: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("FaceIdEmulatorConfig.keys: at least one key pair is needed")
        for name in ("cos_endpoint", "public_base_url", "cos_public_base_url"):
            url = getattr(self, name)
            if url is not None and (
                urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc
            ):
                raise ValueError(f"FaceIdEmulatorConfig.{name}: {url!r} is not an http(s) base URL")
        missing = sorted(BUCKET_REGIONS - set(self.resource_buckets))
        if missing:
            raise ValueError(f"FaceIdEmulatorConfig.resource_buckets: no bucket for {', '.join(missing)}")
        for region, bucket in self.resource_buckets.items():
            if not BUCKET_NAME.match(bucket):
                raise ValueError(
                    f"FaceIdEmulatorConfig.resource_buckets[{region}]: {bucket!r} is not <name>-<appid>"
                )
        if self.download_timeout_seconds <= 0:
            raise ValueError("FaceIdEmulatorConfig.download_timeout_seconds must be positive")
        for action, limit in self.rate_limits.items():
            if action not in ACTIONS or limit < 1:
                raise ValueError(
                    f"FaceIdEmulatorConfig.rate_limits: {action}={limit} is not a known action/limit"
                )

    def effective_rate_limits(self) -> dict[str, int]:
        return {**DEFAULT_RATE_LIMITS, **self.rate_limits}
