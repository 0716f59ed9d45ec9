"""Run `python -m localcloud` as its own process (one process per deployment, as in the cloud) for
tests and benchmarks; its output goes to a log file that tests can read afterwards."""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from localcloud.server import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class RunningStack:
    """A local cloud in a child process: where its parts answer (the endpoints line it prints) and its log."""

    gateway: str
    cos: str
    faceid: str
    bucket: str
    app_token: str
    log_path: Path

    def control(self, service: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """POST to an emulator's control API (service "cos" or "faceid")."""
        base = self.cos if service == "cos" else self.faceid
        answer = requests.post(f"{base}/_control/{path}", json=payload or {}, timeout=30)
        answer.raise_for_status()
        return answer.json() if answer.content else None

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def stack_process(
    data_dir: Path, log_path: Path, args: Sequence[str] = (), env: dict[str, str] | None = None
) -> Iterator[RunningStack]:
    command = [
        sys.executable,
        "-m",
        "localcloud",
        "--with-functions",
        "--data-dir",
        str(data_dir),
        "--cos-port",
        str(free_port()),
        "--faceid-port",
        str(free_port()),
        "--gateway-port",
        str(free_port()),
        *args,
    ]
    process_env = {**os.environ, "PYTHONPATH": f"{ROOT / 'shared'}{os.pathsep}{ROOT}", **(env or {})}
    log_path.write_text("")
    # Append mode (O_APPEND): the child's stderr and our copy of its stdout share the file safely.
    with log_path.open("a", encoding="utf-8") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stdout=subprocess.PIPE, stderr=log, env=process_env, text=True, cwd=ROOT
        )
        try:
            assert process.stdout is not None
            endpoints = _read_endpoints(process, log)
            _forward(process.stdout, log)
            yield RunningStack(
                gateway=endpoints["gateway"],
                cos=endpoints["cos"],
                faceid=endpoints["faceid"],
                bucket=endpoints["bucket"],
                app_token=endpoints["app_token"],
                log_path=log_path,
            )
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _read_endpoints(process: "subprocess.Popen[str]", log: Any) -> dict[str, Any]:
    """The endpoints line; anything the functions log while loading (e.g. at DEBUG) goes to the log."""
    assert process.stdout is not None
    for line in process.stdout:
        try:
            parsed = json.loads(line)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "cos" in parsed and "faceid" in parsed:
            return parsed
        log.write(line)
    process.wait(timeout=10)
    raise RuntimeError(f"localcloud exited with {process.returncode}: {log.name}")


def _forward(stream: Any, log: Any) -> None:
    """Keep copying the process's stdout (Powertools logs there) into the log file."""

    def pump() -> None:
        for line in stream:
            log.write(line)
            log.flush()

    threading.Thread(target=pump, daemon=True).start()
