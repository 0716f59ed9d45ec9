"""P1 layer size: each platform's shipped layer (dist/<platform>/layer.zip, with bytecode), beside an unpruned
install of the same pinned runtime dependencies for the same Python (whole intl SDK, same target platform,
the relay package added alike, no bytecode).

The unpruned installs and their zips are cached under .build/bench/unpruned, keyed by the requirements."""

import json
import tempfile
from pathlib import Path

from bench.common import BENCH_DIR, MB, Result, Row, Target, progress, ratio, times
from deploy.package import (
    LAYER_UNZIPPED_BUDGET,
    LAYER_ZIP_BUDGET,
    Artefact,
    PackageReport,
    copy_relay_package,
    install_dependencies,
    read_zip,
    runtime_requirements,
    write_zip,
)

UNPRUNED_DIR = BENCH_DIR / "unpruned"


def unpruned(report: PackageReport) -> Artefact:
    """The unpruned layer's zip (no bytecode), built once per set of requirements and runtime."""
    stamp = UNPRUNED_DIR / f"{report.runtime.platform}.json"
    archive = UNPRUNED_DIR / f"{report.runtime.platform}.zip"
    requirements = [*runtime_requirements(), report.runtime.python]
    if archive.exists() and stamp.exists() and json.loads(stamp.read_text()) == requirements:
        progress("P1 layer size: unpruned install cached in .build/bench/unpruned")
    else:
        progress("P1 layer size: installing the unpruned runtime dependencies (cached for later runs)")
        UNPRUNED_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="unpruned-", dir=BENCH_DIR) as scratch:
            site = Path(scratch) / "python"
            install_dependencies(site, Path(scratch), report.interpreter, report.runtime.python)
            copy_relay_package(site)
            write_zip(site, archive)
        stamp.write_text(json.dumps(requirements))
    return read_zip(archive)


def run(artifacts: dict[str, PackageReport]) -> Result:
    """Each platform's shipped layer (dist/<platform>/layer.zip) beside its unpruned install."""
    result = Result("P1")
    for platform, report in artifacts.items():
        rows, data = layer_rows(report)
        result.rows += rows
        result.data[platform] = data
    return result


def layer_rows(report: PackageReport) -> tuple[list[Row], dict[str, dict[str, int]]]:
    pruned, whole = report.layer, unpruned(report)
    name = f"{report.runtime.platform} layer, CPython {report.runtime.python}"
    rows = []
    for measure, ours, reference, budget in (
        ("zip", pruned.zip_bytes, whole.zip_bytes, LAYER_ZIP_BUDGET),
        ("unzipped", pruned.unzipped_bytes, whole.unzipped_bytes, LAYER_UNZIPPED_BUDGET),
    ):
        target = Target(budget / MB, unit=" MB")
        rows.append(
            Row(
                "P1",
                f"layer size, {measure} ({name})",
                f"shipped {ours / MB:.1f} MB ({pruned.files} files, with .pyc)",
                f"unpruned install {reference / MB:.1f} MB ({whole.files} files, no .pyc)",
                times(ratio(ours, reference)),
                f"{target} (deploy budget)",
                target.verdict(ours / MB),
            )
        )
    return rows, {"pruned": summary(pruned), "unpruned": summary(whole)}


def summary(artefact: Artefact) -> dict[str, int]:
    return {
        "zip_bytes": artefact.zip_bytes,
        "unzipped_bytes": artefact.unzipped_bytes,
        "files": artefact.files,
    }
