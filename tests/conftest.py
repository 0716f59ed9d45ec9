"""Hypothesis for the whole suite: no per-example deadline (a shared 2-core CI machine is noisy), and under
CI a derandomized run, so a landing is decided by the code, not by the draw."""

import os

from hypothesis import settings

# Chromium and its page, shared by the e2e and hardening suites (one Playwright per session).
pytest_plugins = ("tests.browser",)

settings.register_profile("default", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")
