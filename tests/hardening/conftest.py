"""Hardening fixtures: deployments as `python -m localcloud` processes (the integration suite's make_stack and
default relay, and one that also takes an environment), and the figures docs/reliability.md reports, printed
at the end."""

from collections.abc import Callable, Iterator

import pytest

from tests.hardening.harness import FIGURES, stacks
from tests.integration.conftest import make_stack, relay
from tests.integration.relay import Relay

__all__ = ["make_stack", "relay", "start_stack"]


@pytest.fixture(scope="module")
def start_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Relay]]:
    """Like make_stack, with `env=` for the functions' environment (e.g. a log level)."""
    with stacks(tmp_path_factory.mktemp("hardening")) as start:
        yield start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("hardening figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")
