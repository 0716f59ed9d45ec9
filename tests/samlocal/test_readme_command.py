"""README.md's `sam local invoke` command, run exactly as written with the checked-in env-vars file and
parameters (samconfig.toml), and the output README shows is the one it prints."""

import json
import re
import subprocess
from typing import Any

from deploy.samlocal.lambdas import REPORT
from tests.samlocal.conftest import README


def returned_payload(run: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return payload


def test_the_readme_command_runs_the_function_in_the_runtime_emulator(
    readme_invoke: subprocess.CompletedProcess[str],
) -> None:
    assert readme_invoke.returncode == 0, readme_invoke.stderr[-3000:]
    payload = returned_payload(readme_invoke)

    # The sample's compare image was never uploaded to this fresh local cloud.
    assert payload["statusCode"] == 404
    assert json.loads(payload["body"])["code"] == "UploadNotFound"
    assert REPORT.search(readme_invoke.stdout + readme_invoke.stderr)


def test_the_readme_shows_what_the_command_returns(readme_invoke: subprocess.CompletedProcess[str]) -> None:
    shown = re.findall(r'^\{"statusCode".*$', README.read_text(), flags=re.MULTILINE)

    assert [json.loads(line) for line in shown] == [returned_payload(readme_invoke)]
