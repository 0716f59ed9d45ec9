"""Fixtures for the COS contract: emulators on loopback ports over a tmp data_dir, a webhook recorder."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from qcloud_cos import CosS3Client

from localcloud import accounts
from localcloud.clock import Clock
from localcloud.cos import CosEmulatorConfig, create_app
from localcloud.server import BackgroundServer, serve
from tests.contract.cos.harness import Emulator, Recorder, bucket_configs, recorder_app


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder(url="")
    with serve(recorder_app(recorder)) as server:
        recorder.url = server.url
        yield recorder


@pytest.fixture
def start_emulator(tmp_path: Path, recorder: Recorder) -> Iterator[Callable[..., Emulator]]:
    """Starts emulators on `tmp_path/cos` (one after the other: restarts); keywords go to the config."""
    servers: list[BackgroundServer] = []

    def start(**config: Any) -> Emulator:
        clock = Clock()
        data_dir = tmp_path / "cos"
        settings = {"buckets": bucket_configs(recorder.url), "keys": accounts.KEYS, **config}
        cos_config = CosEmulatorConfig(data_dir=data_dir, **settings)
        server = BackgroundServer(create_app(cos_config, clock=clock)).start()
        servers.append(server)
        return Emulator(server, clock, data_dir, recorder)

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def emulator(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator()


@pytest.fixture
def cos(emulator: Emulator) -> CosS3Client:
    return emulator.client()
