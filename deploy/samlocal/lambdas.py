"""The functions as SAM CLI runs them: `sam build`, then `sam local start-lambda` with one warm container per
function (each `sam local invoke` costs a container start, ~7-18 s on vfs; a warm invoke costs milliseconds).
The runtime emulator prints a REPORT line per invoke; the first one of each container is its cold start."""

import json
import os
import re
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from deploy.samlocal import ROOT, SAM, SamLocalError
from deploy.samlocal.engine import docker
from localcloud.server import free_port

EVENTS = ROOT / "events"
CONTAINER_ID = re.compile(r"^SAM_CONTAINER_ID: (\w+)$", re.MULTILINE)
REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\s+(?:Init Duration: [\d.]+ ms\s+)?Duration: (?P<ms>[\d.]+) ms"
)
START_TIMEOUT_SECONDS = 300
INVOKE_TIMEOUT_SECONDS = 60


def sam_environment() -> dict[str, str]:
    return {**os.environ, "SAM_CLI_TELEMETRY": "0"}


def function_name(job: str) -> str:
    """template.yaml's logical id of the function in functions/<job>/ (token_issuance -> TokenIssuance)."""
    return "".join(part.title() for part in job.split("_"))


def sam_build() -> None:
    if not SAM.exists():
        raise SamLocalError(f"{SAM} is missing: `make sam-local` installs SAM CLI into .venv-deploy")
    result = subprocess.run(  # noqa: S603 - SAM CLI from .venv-deploy
        [str(SAM), "build"], cwd=ROOT, env=sam_environment(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SamLocalError(f"sam build failed:\n{result.stdout}{result.stderr}")


@dataclass(frozen=True)
class Invocation:
    """What one invoke returned, and the runtime emulator's REPORT for it."""

    payload: Any
    duration_ms: float


class WarmFunctions:
    """`sam local start-lambda --warm-containers EAGER` (samconfig.toml adds the env-vars file, parameters and
    network); `invoke` posts to its Lambda Invoke API and waits for the invoke's REPORT line."""

    def __init__(self, log: Path, template: Path | None = None) -> None:
        self.log = log
        self.port = free_port()
        command = [str(SAM), "local", "start-lambda", "--warm-containers", "EAGER", "--port", str(self.port)]
        if template is not None:
            # SAM looks for samconfig.toml next to the template it is given: name ours.
            command += ["--template", str(template), "--config-file", str(ROOT / "samconfig.toml")]
        with log.open("wb") as output:
            self._process = subprocess.Popen(  # noqa: S603 - SAM CLI from .venv-deploy
                command, cwd=ROOT, env=sam_environment(), stdout=output, stderr=subprocess.STDOUT
            )
        self.url = f"http://127.0.0.1:{self.port}"
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                requests.get(self.url, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.5)
        self.stop()
        raise SamLocalError(f"sam local start-lambda did not come up:\n{self.log_text()[-3000:]}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def invoke(self, function: str, event: Mapping[str, Any]) -> Any:
        """The function's answer (its return value)."""
        answer = requests.post(
            f"{self.url}/2015-03-31/functions/{function}/invocations",
            json=event,
            timeout=INVOKE_TIMEOUT_SECONDS,
        )
        if answer.status_code != 200:
            raise SamLocalError(f"invoking {function}: HTTP {answer.status_code} {answer.text[:500]}")
        return answer.json()

    def invoke_reported(self, function: str, event: Mapping[str, Any]) -> Invocation:
        """The answer and the Duration of the REPORT line the emulator prints for it (SAM relays container
        output with a delay of about a second, so only invokes that need the Duration wait for it)."""
        reports = len(REPORT.findall(self.log_text()))
        payload = self.invoke(function, event)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = REPORT.findall(self.log_text())
            if len(found) > reports:
                return Invocation(payload, float(found[reports][1]))
            time.sleep(0.05)
        raise SamLocalError(f"no REPORT line for {function}'s invoke:\n{self.log_text()[-2000:]}")

    def stop(self) -> None:
        """Stop SAM, then remove its containers in one call: SAM's own shutdown stops and removes them one
        by one, and tearing down each container's network namespace takes seconds here."""
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        containers = CONTAINER_ID.findall(self.log_text())
        if containers:
            docker("rm", "--force", *containers, check=False)


def sample_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return event
