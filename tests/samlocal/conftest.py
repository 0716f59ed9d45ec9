"""`make sam-local`: the functions run by SAM CLI in its Lambda runtime emulator (Docker), against the local
cloud in a container. Collected only when asked for (`pytest tests/samlocal`, as `make sam-local` does): they
need Docker, which only root can start here. Asked for, they never skip: what is missing fails them,
saying why."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.samlocal import ROOT, SAM, SamLocalError
from deploy.samlocal.lambdas import Invocation, WarmFunctions
from deploy.samlocal.probes import cold_invokes
from deploy.samlocal.stack import down, up

HERE = Path(__file__).resolve().parent
README = ROOT / "README.md"
README_COMMAND_START = "sam build && sam local invoke"
COLD_STARTS = pytest.StashKey[dict[str, Invocation]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    requested = any(Path(arg.split("::")[0]).resolve().is_relative_to(HERE) for arg in config.args)
    mine = [item for item in items if item.path.is_relative_to(HERE)]
    if mine and not requested:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if not item.path.is_relative_to(HERE)]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    cold = config.stash.get(COLD_STARTS, None)
    if cold:
        terminalreporter.section("first invoke of each function: Duration in the runtime emulator (REPORT)")
        for function, invocation in cold.items():
            terminalreporter.write_line(f"{function:<24}{invocation.duration_ms:>10.1f} ms")


@pytest.fixture(scope="session")
def local_cloud() -> Iterator[dict[str, str]]:
    """Engine, stand-in image, `sam build` and the local cloud on its network; all removed at the end."""
    try:
        endpoints = up()
    except SamLocalError as error:
        pytest.fail(f"make sam-local: {error}", pytrace=False)
    yield endpoints
    down()


def readme_command() -> str:
    """The `sam` command exactly as README.md shows it."""
    (line,) = [line for line in README.read_text().splitlines() if line.startswith(README_COMMAND_START)]
    return line.split("#", 1)[0].strip()


@pytest.fixture(scope="session")
def readme_invoke(local_cloud: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """README's command, run as a reader would after `make sam-local-up` and its PATH line."""
    environment = {**os.environ, "PATH": f"{SAM.parent}:{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"}
    return subprocess.run(  # noqa: S603 - the README's own command
        ["bash", "-c", readme_command()],  # noqa: S607
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="session")
def functions(
    readme_invoke: subprocess.CompletedProcess[str],
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[WarmFunctions]:
    """Every function warm under `sam local start-lambda`, after each one's first invoke (see cold_starts).
    Started after README's command: its `sam build` replaces the folders these containers mount."""
    warm = WarmFunctions(tmp_path_factory.mktemp("sam") / "start-lambda.log")
    try:
        request.config.stash[COLD_STARTS] = cold_invokes(warm)
        yield warm
    finally:
        warm.stop()


@pytest.fixture(scope="session")
def cold_starts(functions: WarmFunctions, request: pytest.FixtureRequest) -> dict[str, Invocation]:
    """Each function's first invoke (a path that needs no network) and its REPORT Duration."""
    return request.config.stash[COLD_STARTS]
