"""Browser tests against the `make dev` stack (started on free ports); Chromium and the page (with its
screenshot under test-artifacts/e2e/) come from tests/browser.py."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from localcloud.process import RunningStack, stack_process


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    folder = tmp_path_factory.mktemp("e2e-stack")
    with stack_process(folder / "data", folder / "stack.log") as running:
        yield running


@pytest.fixture(scope="session")
def legacy_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The same stack on the legacy API flavor (ApplyWebVerificationToken / GetWebVerificationResult)."""
    folder = tmp_path_factory.mktemp("e2e-legacy-stack")
    with stack_process(folder / "data", folder / "stack.log", ["--flavor", "legacy"]) as running:
        yield running


@pytest.fixture(params=["live", "legacy"])
def each_flavor(request: pytest.FixtureRequest) -> RunningStack:
    """The stack of each API flavor in turn, for the tests that must hold on both."""
    running: RunningStack = request.getfixturevalue("stack" if request.param == "live" else "legacy_stack")
    return running


def image_loaded(page: Page, selector: str) -> Any:
    """True when the image decoded (what a person sees), not merely when the tag exists."""
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")
