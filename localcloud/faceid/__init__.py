"""The local FaceID (2018-03-01) emulator: API 3.0 with TC3 verification, COS resources, the web flow.

Integration tests drive it with the unmodified intl SDK; see design.md "localcloud" for what it verifies."""

from localcloud.faceid.app import create_app
from localcloud.faceid.config import FaceIdEmulatorConfig

__all__ = ["FaceIdEmulatorConfig", "create_app"]
