"""The artifacts `make package` ships, built once per session (cached: unchanged inputs rebuild nothing)."""

import pytest

from deploy.package import PackageReport, build_all


@pytest.fixture(scope="session")
def artifacts() -> dict[str, PackageReport]:
    """Both platforms' layer and function zips, by platform name (scf, lambda)."""
    return build_all()
