"""The naive peer's install: the project's four runtime requirements (same pins) installed by the runtime's
own interpreter with a plain `pip install --target`, which writes pip's bytecode; nothing pruned. Cached
under .build/bench/naive-py<version>-<key>, rebuilt when the requirements or the interpreter change."""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from bench.common import BENCH_DIR, BenchError, progress
from deploy.package import PackageReport, interpreter_version, runtime_requirements


def install(report: PackageReport) -> Path:
    python, version = report.interpreter, report.runtime.python
    requirements = runtime_requirements()
    key = hashlib.sha256(json.dumps([requirements, interpreter_version(python)]).encode()).hexdigest()[:16]
    target = BENCH_DIR / f"naive-py{version}-{key}"
    if target.is_dir():
        return target
    progress(f"P2 cold start: installing the naive peer for Python {version} (cached for later runs)")
    for stale in BENCH_DIR.glob(f"naive-py{version}-*"):
        shutil.rmtree(stale)
    scratch = target.with_name(target.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    command = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    finished = subprocess.run(
        [*command, f"--target={scratch}", *requirements], capture_output=True, text=True, check=False
    )
    if finished.returncode != 0:
        raise BenchError(f"installing the naive peer failed:\n{finished.stderr[-3000:]}")
    scratch.rename(target)
    return target
