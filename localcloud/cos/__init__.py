"""A local COS: the XML API, q-sign checks, CORS, SCF-shaped notifications.

Tencent Cloud is unreachable from tests, and stock S3 servers cannot check COS signatures; this can."""

from .app import create_app
from .config import BucketConfig, CorsRule, CosEmulatorConfig, NotificationRule

__all__ = ["BucketConfig", "CorsRule", "CosEmulatorConfig", "NotificationRule", "create_app"]
