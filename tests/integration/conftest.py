"""Integration fixtures: the whole local cloud in its own process (`python -m localcloud`), one per
deployment variant, stopped at the end of each test module."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from localcloud.process import stack_process
from tests.integration.relay import Relay


@pytest.fixture(scope="module")
def make_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Relay]]:
    """Start deployments on demand; all are stopped at the end of the module."""
    with ExitStack() as stacks:

        def start(*args: str, env: dict[str, str] | None = None) -> Relay:
            folder = tmp_path_factory.mktemp("stack")
            stack = stacks.enter_context(stack_process(folder / "data", folder / "stack.log", args, env))
            return Relay(stack)

        yield start


@pytest.fixture(scope="module")
def relay(make_stack: Callable[..., Relay]) -> Relay:
    """The default deployment; a module that needs options defines its own `relay` from make_stack."""
    return make_stack()
