"""Fixtures for the FaceID contract: the real COS and FaceID emulators sharing one clock, started once per
session and returned to a clean state (clock, faults, outcomes, calls, rate limits) after every test."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localcloud import accounts
from localcloud.clock import Clock
from localcloud.cos import BucketConfig, CosEmulatorConfig
from localcloud.cos import create_app as create_cos_app
from localcloud.faceid import create_app
from localcloud.server import BackgroundServer, free_port, serve
from tests.contract.faceid.harness import APP_BUCKETS, RESOURCE_BUCKETS, LocalCloud, faceid_config


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    clock = Clock()
    buckets = [BucketConfig(name, region) for region, name in RESOURCE_BUCKETS.items()]
    buckets += [BucketConfig(name, region) for region, name in APP_BUCKETS.items()]
    cos_config = CosEmulatorConfig(
        data_dir=tmp_path_factory.mktemp("cos"), keys=list(accounts.KEYS), buckets=buckets
    )
    with serve(create_cos_app(cos_config, clock=clock)) as cos:
        port = free_port()
        faceid_url = f"http://127.0.0.1:{port}"
        with serve(create_app(faceid_config(cos.url, faceid_url), clock=clock), port):
            yield LocalCloud(clock=clock, cos_url=cos.url, faceid_url=faceid_url)


@pytest.fixture(autouse=True)
def _clean_state(cloud: LocalCloud) -> Iterator[None]:
    yield
    cloud.clock.reset()
    assert cloud.control("POST", "reset").status_code == 204


@pytest.fixture
def start_faceid() -> Iterator[Callable[..., LocalCloud]]:
    """A separate FaceID emulator with config overrides (e.g. a COS that is slow or absent)."""
    servers: list[BackgroundServer] = []

    def start(cos_url: str, **overrides: Any) -> LocalCloud:
        clock = Clock()
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        servers.append(
            BackgroundServer(create_app(faceid_config(cos_url, url, **overrides), clock=clock), port).start()
        )
        return LocalCloud(clock=clock, cos_url=cos_url, faceid_url=url)

    yield start
    for server in servers:
        server.stop()
