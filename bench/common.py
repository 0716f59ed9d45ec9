"""What every benchmark shares: paths, the row of the one printed table, targets and their verdicts,
statistics, the machine description and the environment of a child process."""

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / ".build"
BENCH_DIR = BUILD_DIR / "bench"
MIB = 1024 * 1024
MB = 1_000_000
TIMES = "\N{MULTIPLICATION SIGN}"


class BenchError(RuntimeError):
    """A benchmark could not measure what it claims (an invalid answer, a failed child)."""


@dataclass(frozen=True)
class Target:
    """A goal for one number, in the number's unit: at most `limit` (or at least, when at_most is False)."""

    limit: float
    at_most: bool = True
    unit: str = TIMES

    def __str__(self) -> str:
        return f"{'≤' if self.at_most else '≥'} {self.limit:g}{self.unit}"

    def shortfall(self, value: float) -> float:
        """How far the value is on the wrong side of the limit; 0 when the target is met."""
        return max(0.0, value - self.limit if self.at_most else self.limit - value)

    def verdict(self, value: float) -> str:
        missed = self.shortfall(value)
        if missed == 0:
            return "met"
        return f"MISSED by {missed:.2f}{self.unit} ({missed / self.limit:.0%})"


@dataclass(frozen=True)
class Row:
    """One line of the printed table: our figure beside a named reference, their ratio and the target."""

    bench: str
    measure: str
    ours: str
    reference: str
    ratio: str
    target: str = "—"
    verdict: str = "—"


@dataclass
class Result:
    """What one benchmark hands back: its table rows, its raw numbers (for the JSON) and any notes."""

    bench: str
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout carries only the table."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def ratio(value: float, reference: float) -> float:
    return value / reference if reference else math.inf


def times(value: float, digits: int = 2) -> str:
    """A ratio as printed, with the multiplication sign."""
    return f"{value:.{digits}f}{TIMES}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `share` of the samples at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def markdown_table(rows: Sequence[Row]) -> str:
    header = ("P", "measure", "ours", "reference", "ratio", "target", "verdict")
    cells = [header] + [(r.bench, r.measure, r.ours, r.reference, r.ratio, r.target, r.verdict) for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(c) for c in cells[1:])])


def machine() -> dict[str, Any]:
    """What the figures were measured on (CPU model from /proc/cpuinfo, cores, memory, Python)."""
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = next(
        (ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")), ""
    )
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8").split()
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(meminfo[meminfo.index("MemTotal:") + 1]) / MIB, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


@dataclass(frozen=True)
class ChildReport:
    """A child's report line, its stderr, and when the parent spawned it (CLOCK_MONOTONIC ns)."""

    report: dict[str, Any]
    stderr: str
    spawned_ns: int


def run_child(
    script: Path,
    job: Mapping[str, Any],
    env: Mapping[str, str],
    prefix: str,
    python_options: Sequence[str] = (),
    timeout: float = 600,
    python: Path | None = None,
) -> ChildReport:
    """Run `python [options] script job.json` in a fresh interpreter (this one unless `python` is given);
    its report is the JSON after `prefix` on its last such stdout line (the functions log to stdout too)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir=BENCH_DIR, encoding="utf-8") as job_file:
        json.dump(job, job_file)
        job_file.flush()
        command = [str(python or sys.executable), *python_options, str(script), job_file.name]
        spawned = time.monotonic_ns()
        finished = subprocess.run(
            command, env=dict(env), cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    lines = [line for line in finished.stdout.splitlines() if line.startswith(prefix)]
    if finished.returncode != 0 or not lines:
        raise BenchError(f"{script.name} failed ({finished.returncode}): {finished.stderr[-3000:]}")
    return ChildReport(json.loads(lines[-1].removeprefix(prefix)), finished.stderr, spawned)


def child_env(function_env: Mapping[str, str]) -> dict[str, str]:
    """A child process gets exactly what a deployment gets, plus the paths to find the code."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)]),
        **function_env,
    }
