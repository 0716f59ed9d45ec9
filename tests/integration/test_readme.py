"""The README's curl walk-through and its test-kit examples, run exactly as written: every ```bash block of
the two sections, in order, in one bash against a started local cloud (```sh blocks, such as `make dev`,
are shown but not run). A step that fails, or a `jq -e` check that is false, fails the test."""

import json
import os
import re
import subprocess
from pathlib import Path

import requests

from tests.integration.relay import Relay

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("## Walk-through: both flows with curl", "## Testing your app against the local cloud")
BASH_BLOCK = re.compile(r"^```bash\n(.*?)^```$", re.S | re.M)


def readme_blocks(heading: str) -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + len(heading) + 2)
    return BASH_BLOCK.findall(text[start : end if end != -1 else None])


def test_the_readme_sections_hold_the_blocks_this_test_runs() -> None:
    assert [len(readme_blocks(heading)) for heading in SECTIONS] == [3, 1]


def test_the_readme_walk_through_and_test_kit_run_as_written(relay: Relay) -> None:
    script = "\n".join(
        ["set -euo pipefail", *(block for heading in SECTIONS for block in readme_blocks(heading))]
    )
    env = {
        **os.environ,
        "RELAY": relay.base,
        "FACEID": relay.stack.faceid,
        "COS": relay.stack.cos,
        "TOKEN": relay.stack.app_token,
    }

    run = subprocess.run(  # noqa: S603 - bash runs the README's own blocks
        ["/bin/bash", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert run.returncode == 0, f"stdout:\n{run.stdout}\nstderr:\n{run.stderr}"
    assert "302 -> " in run.stdout
    assert "status=passed&reference=order-" in run.stdout


def test_the_local_cloud_serves_the_published_api_document(relay: Relay) -> None:
    answer = requests.get(f"{relay.base}/openapi.json", timeout=30)

    assert answer.status_code == 200
    assert answer.json() == json.loads((ROOT / "docs" / "openapi.json").read_text())
