"""P1 layer size: the pruned layer `deploy.package.build` makes, beside an unpruned install of the same
pinned runtime dependencies (whole intl SDK, same target platform, the relay package added alike).

The unpruned install and its zip are cached under .build/bench/unpruned, keyed by the requirements."""

import json
import shutil
import tempfile
import zipfile
from pathlib import Path

from bench.common import BENCH_DIR, MB, Result, Row, Target, progress, ratio, times
from deploy.package import (
    LAYER_UNZIPPED_BUDGET,
    LAYER_ZIP_BUDGET,
    Artefact,
    build,
    copy_relay_package,
    install_dependencies,
    runtime_requirements,
    write_zip,
)

UNPRUNED_DIR = BENCH_DIR / "unpruned"
PACKAGE_DIR = BENCH_DIR / "package"
LAYER = "layer-scf"


def unpruned() -> Artefact:
    """The unpruned layer's zip, built once per set of requirements."""
    stamp = UNPRUNED_DIR / "requirements.json"
    archive = UNPRUNED_DIR / "unpruned.zip"
    requirements = runtime_requirements()
    if archive.exists() and stamp.exists() and json.loads(stamp.read_text()) == requirements:
        progress("P1 layer size: unpruned install cached in .build/bench/unpruned")
    else:
        progress("P1 layer size: installing the unpruned runtime dependencies (cached for later runs)")
        shutil.rmtree(UNPRUNED_DIR, ignore_errors=True)
        UNPRUNED_DIR.mkdir(parents=True)
        with tempfile.TemporaryDirectory(prefix="unpruned-", dir=BENCH_DIR) as scratch:
            site = Path(scratch) / "python"
            install_dependencies(site, Path(scratch))
            copy_relay_package(site)
            write_zip(site, archive)
        stamp.write_text(json.dumps(requirements))
    return read_zip(archive)


def read_zip(path: Path) -> Artefact:
    with zipfile.ZipFile(path) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
    return Artefact(path.stem, path, path.stat().st_size, sum(m.file_size for m in members), len(members))


def run() -> Result:
    progress("P1 layer size: building the pruned layer with deploy.package.build")
    pruned = build(PACKAGE_DIR / "build", PACKAGE_DIR / "dist")[LAYER]
    whole = unpruned()
    result = Result("P1", data={"pruned": summary(pruned), "unpruned": summary(whole)})
    for measure, ours, reference, budget in (
        ("zip", pruned.zip_bytes, whole.zip_bytes, LAYER_ZIP_BUDGET),
        ("unzipped", pruned.unzipped_bytes, whole.unzipped_bytes, LAYER_UNZIPPED_BUDGET),
    ):
        target = Target(budget / MB, unit=" MB")
        result.rows.append(
            Row(
                "P1",
                f"layer size, {measure} ({LAYER})",
                f"pruned {ours / MB:.1f} MB ({pruned.files} files)",
                f"unpruned install {reference / MB:.1f} MB ({whole.files} files)",
                times(ratio(ours, reference)),
                f"{target} (deploy budget)",
                target.verdict(ours / MB),
            )
        )
    return result


def summary(artefact: Artefact) -> dict[str, int]:
    return {
        "zip_bytes": artefact.zip_bytes,
        "unzipped_bytes": artefact.unzipped_bytes,
        "files": artefact.files,
    }
