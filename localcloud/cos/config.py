"""What one COS emulator serves: its buckets (region, CORS, notification rules), keys and data folder.

Plain dataclasses so tests, `make dev` and the gateway build the same configuration in a few lines."""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localcloud.accounts import KeyPair

from .errors import NoSuchBucketError

# Full bucket name "<BucketName>-<APPID>": lowercase letters, digits and "-", not starting or ending
# with "-" (COS "Bucket Overview", 436/13312).
BUCKET_NAME = re.compile(r"^(?P<short>[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-(?P<appid>[0-9]+)$")
# Single PUT limit: 5 GB (COS PUT Object; qcloud_cos.cos_comm.SINGLE_UPLOAD_LENGTH).
SINGLE_PUT_LIMIT = 5 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class CorsRule:
    """One bucket CORS rule: origins exact or "*", methods, headers ("*" allows any)."""

    allowed_origins: list[str]
    allowed_methods: list[str]
    allowed_headers: list[str]
    expose_headers: list[str] = field(default_factory=lambda: ["ETag"])
    max_age_seconds: int = 600


@dataclass(frozen=True)
class NotificationRule:
    """Deliver matching object events as SCF COS trigger events, POSTed as JSON to `target_url`."""

    target_url: str
    events: list[str] = field(default_factory=lambda: ["cos:ObjectCreated:*"])
    prefix: str = ""
    suffix: str = ""
    deliveries: int = 1


@dataclass(frozen=True)
class BucketConfig:
    """A bucket: full name "<name>-<appid>" and the region it lives in."""

    name: str
    region: str
    cors: list[CorsRule] = field(default_factory=list)
    notifications: list[NotificationRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not BUCKET_NAME.match(self.name):
            raise ValueError(
                f"bucket name {self.name!r} is not '<name>-<appid>' in lowercase, digits and '-'"
            )

    @property
    def short_name(self) -> str:
        return self.name.rsplit("-", 1)[0]

    @property
    def appid(self) -> str:
        return self.name.rsplit("-", 1)[1]


@dataclass(frozen=True)
class CosEmulatorConfig:
    data_dir: Path
    keys: Sequence[KeyPair]
    buckets: Sequence[BucketConfig]
    max_put_size: int = SINGLE_PUT_LIMIT

    def bucket(self, name: str, region: str | None = None) -> BucketConfig:
        """The bucket named `name` (and, addressed by its COS domain, in `region`), else NoSuchBucket."""
        for bucket in self.buckets:
            if bucket.name == name and region in (None, bucket.region):
                return bucket
        raise NoSuchBucketError()
