"""Instructions one cold start executes, import and first call, counted by valgrind's callgrind: the
deterministic companion of P2 for judging a cold-start lever on a shared machine, where a process's CPU
time moves by ±20 ms with the other load and a lever pays 1-30 ms. Two runs of the same code count the
same within 0.1%; waiting on the network counts nothing (so a saved round trip shows only its CPU side).

Compares the artifacts of this tree (dist/, built as `make package` builds them) with a copy of an earlier
dist/, function by function, as P2 runs them (unpacked read-only, the runtime's interpreter, the same events
against the local cloud), A and B alternating:

    cp -a dist /tmp/dist-before     # before the change
    # ... make the change, then:
    PYTHONPATH=shared:. .venv/bin/python -m bench.instructions /tmp/dist-before --platforms scf

Needs valgrind (apt-get install valgrind); one process takes 10-20 s under it."""

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bench import coldstart
from bench.__main__ import stdout_to_stderr
from bench.cloud import BenchCloud, bench_cloud
from bench.common import BENCH_DIR, BenchError, progress
from bench.events import RealValues
from deploy.artifact import Unpacked, unpacked
from deploy.package import DIST_DIR, PackageReport, build_all, default_scf_python

VARIANTS = ("A", "B")
_COLLECTED = re.compile(r"Collected : (\d+)")
# Under valgrind a process runs some 50 times slower.
TIMEOUT_SECONDS = 600


def earlier(report: PackageReport, dist: Path) -> PackageReport:
    """The same artifacts in a copy of an earlier dist/."""
    moved = tuple(replace(a, path=dist / a.path.relative_to(DIST_DIR)) for a in report.artefacts)
    missing = [str(a.path) for a in moved if not a.path.is_file()]
    if missing:
        raise BenchError(f"not in {dist}: {', '.join(missing)}")
    return replace(report, artefacts=moved)


@contextmanager
def counting(python: Path) -> Iterator[Path]:
    """An interpreter that runs under callgrind, which prints its instruction count to stderr."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise BenchError("valgrind is not installed (apt-get install valgrind)")
    with tempfile.TemporaryDirectory(dir=BENCH_DIR) as scratch:
        wrapper = Path(scratch) / "python"
        wrapper.write_text(
            f'#!/bin/sh\nexec {valgrind} --tool=callgrind --callgrind-out-file=/dev/null {python} "$@"\n',
            encoding="utf-8",
        )
        wrapper.chmod(0o755)
        yield wrapper


def one_round(
    cloud: BenchCloud,
    runner: coldstart.ColdRunner,
    artifacts: Mapping[str, tuple[Unpacked, Path]],
    values: RealValues,
    order: tuple[str, ...],
    functions: tuple[str, ...],
) -> dict[tuple[str, str], int]:
    """Each function once per variant; the BizToken functions read the one their variant issued."""
    counts: dict[tuple[str, str], int] = {}
    tokens: dict[str, str] = {}
    for name in coldstart.FUNCTIONS:
        if name not in functions and name != "token_issuance":
            continue
        for variant in order:
            artifact, python = artifacts[variant]
            own = replace(values, live_data_key=cloud.fresh_live_data())
            if name in coldstart.AFTER_TOKEN:
                own = replace(own, biz_token=tokens[variant])
            job = replace(coldstart.function_job(artifact, name, own), python=python)
            run = runner.spawn(job)
            coldstart.check(name, run, own)
            found = _COLLECTED.search(run.stderr)
            if found is None:
                raise BenchError(f"{name}: no instruction count in its stderr")
            counts[(name, variant)] = int(found.group(1))
            if name == "token_issuance":
                issued = json.loads(run.response["body"])
                cloud.pass_verification(issued["verificationUrl"])
                tokens[variant] = issued["bizToken"]
            progress(f"{artifact.report.runtime.platform} {name} {variant}: {counts[(name, variant)]:,}")
    return counts


def main(argv: list[str]) -> None:
    with stdout_to_stderr() as table:
        report(argv, table)


def report(argv: list[str], out: TextIO) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("before", type=Path, help="a copy of dist/ as it was before the change (A)")
    parser.add_argument("--platforms", nargs="+", choices=("scf", "lambda"), default=["scf", "lambda"])
    parser.add_argument("--functions", nargs="+", choices=coldstart.FUNCTIONS, default=coldstart.FUNCTIONS)
    parser.add_argument("--rounds", type=int, default=1, help="processes per function and variant")
    args = parser.parse_args(argv)
    reports = {name: r for name, r in build_all(default_scf_python()).items() if name in args.platforms}
    root = BENCH_DIR / "instructions"
    coldstart._clear(root)
    samples: dict[tuple[str, str, str], list[int]] = {}
    coldstart.CHILD_TIMEOUT_SECONDS = TIMEOUT_SECONDS
    with bench_cloud() as cloud, ExitStack() as stack:
        runner = coldstart.ColdRunner(cloud)
        # String hashing seeded alike in every process, so equal code counts equal instructions.
        runner.env["PYTHONHASHSEED"] = "0"
        values = cloud.real_values()
        for platform, report in reports.items():
            python = stack.enter_context(counting(report.interpreter))
            artifacts = {
                variant: (stack.enter_context(unpacked(r, root / platform / variant)), python)
                for variant, r in (("A", earlier(report, args.before)), ("B", report))
            }
            for index in range(args.rounds):
                order = VARIANTS if index % 2 == 0 else VARIANTS[::-1]
                for (name, variant), value in one_round(
                    cloud, runner, artifacts, values, order, tuple(args.functions)
                ).items():
                    samples.setdefault((platform, name, variant), []).append(value)
    coldstart._clear(root)
    for platform in reports:
        print(
            f"{platform}: instructions of one cold start (import + first call), median of {args.rounds}",
            file=out,
        )
        for name in args.functions:
            before = statistics.median(samples[(platform, name, "A")])
            after = statistics.median(samples[(platform, name, "B")])
            change = after - before
            print(
                f"  {name:<22}{before / 1e6:9.1f} M -> {after / 1e6:9.1f} M  {change / 1e6:+8.1f} M "
                f"({change / before:+.1%})",
                file=out,
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
