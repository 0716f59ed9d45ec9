"""`python -m bench` (`make bench`): every benchmark in one run against one local cloud, printed as one table
of ratios to named references, and written with the raw numbers to .build/bench.json."""

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from bench import coldstart, hashing, layer, limits, overhead
from bench.cloud import BenchCloud, bench_cloud
from bench.common import BUILD_DIR, Result, machine, markdown_table, progress
from deploy.package import SCF_PYTHONS, PackageReport, build_all, default_scf_python

BENCHES = ("P1", "P2", "P3", "P4", "P5", "P6", "P7")


def cloud_benches(
    args: argparse.Namespace, artifacts: dict[str, PackageReport]
) -> dict[str, Callable[[BenchCloud], Result]]:
    """The benchmarks that need the local cloud, in the order they run."""
    return {
        "P2": lambda cloud: coldstart.run(cloud, artifacts, args.runs, bytecode=not args.without_bytecode),
        "P3": hashing.throughput,
        "P4": hashing.memory,
        "P5": lambda cloud: overhead.run(cloud, args.calls),
        "P6": limits.run,
        "P7": hashing.first_use,
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=11, help="P2: fresh processes per function (default 11)")
    parser.add_argument(
        "--calls", type=int, default=2000, help="P5: timed calls per function and event shape"
    )
    parser.add_argument("--only", nargs="+", choices=BENCHES, default=BENCHES, help="run only these")
    parser.add_argument(
        "--scf-python", choices=SCF_PYTHONS, default=default_scf_python(), help="the SCF runtime's Python"
    )
    parser.add_argument(
        "--without-bytecode",
        action="store_true",
        help="P2: run the artifacts without their .pyc (as the package shipped them before)",
    )
    parser.add_argument("--json", type=Path, default=BUILD_DIR / "bench.json", help="where the numbers go")
    args = parser.parse_args(argv)
    if args.runs < 10:
        parser.error("--runs must be at least 10 (P2 reports a median over at least ten processes)")
    return args


def run(args: argparse.Namespace) -> list[Result]:
    progress("building the artifacts (make package; cached)")
    artifacts = build_all(args.scf_python)
    results = [layer.run(artifacts)] if "P1" in args.only else []
    selected = {name: bench for name, bench in cloud_benches(args, artifacts).items() if name in args.only}
    if selected:
        with bench_cloud() as cloud:
            results += [bench(cloud) for bench in selected.values()]
    return results


@contextmanager
def stdout_to_stderr() -> Iterator[TextIO]:
    """While the benchmarks run, everything written to file descriptor 1 (functions run in this process log
    there, so do emulators and children that inherit it) goes to stderr; yields the real stdout, which
    carries only the table."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        with open(saved, "w", encoding="utf-8", closefd=False) as table:
            yield table
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    with stdout_to_stderr() as table:
        report(args, argv, table)


def report(args: argparse.Namespace, argv: list[str], out: TextIO) -> None:
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    results = run(args)
    rows = [row for result in results for row in result.rows]
    notes = [note for result in results for note in result.notes]
    host = {**machine(), "load_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]}
    elapsed = time.monotonic() - started
    lines = [
        f"faceid-relay benchmarks, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {elapsed:.0f} s",
        f"machine: {host['cpu']}, {host['cores']} cores, {host['memory_gib']} GiB, "
        f"bench process Python {host['python']}",
        f"load average (1 min) before / after: {host['load_1min'][0]} / {host['load_1min'][1]}",
        "",
        markdown_table(rows),
    ]
    if notes:
        lines += ["", *notes]
    print("\n".join(lines), file=out, flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": " ".join(["python -m bench", *argv]),
        "finished_at": datetime.now(timezone.utc).isoformat(),
        "seconds": round(elapsed, 1),
        "machine": host,
        "rows": [asdict(row) for row in rows],
        "results": {result.bench: result.data for result in results},
    }
    args.json.write_text(json.dumps(document, indent=2), encoding="utf-8")
    progress(f"numbers written to {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
