"""Builds what both platforms deploy: one dependency layer and one small zip per function.

Lambda puts /opt/python on sys.path, so dist/layer-lambda.zip keeps its files under python/; SCF unpacks
layers to /opt and has /opt itself on PYTHONPATH (reference tencent-faceid-cos-scf.md §4.2), so
dist/layer-scf.zip keeps them at the root. Dependencies are installed for the target platform
(manylinux2014 x86_64, CPython 3.11), never for the host, so any machine can build the package."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = ROOT / "functions"
RELAY_PACKAGE = ROOT / "shared" / "faceid_relay"

LAYER_ZIP_BUDGET = 12_000_000
LAYER_UNZIPPED_BUDGET = 40_000_000

TARGET_PLATFORM = (
    "--platform=manylinux2014_x86_64",
    "--only-binary=:all:",
    "--python-version=3.11",
    "--implementation=cp",
)
# PyPI has no wheel of crcmod (pulled in by cos-python-sdk-v5). Its setup.py falls back to the pure-Python
# package when the C extension cannot be compiled, so building it with no compiler yields a
# py3-none-any wheel that fits every platform (crcmod/crcmod.py imports _crcfunpy when _crcfunext is absent).
SDIST_ONLY = ("crcmod==1.7",)

# The full intl SDK is 235 MB: the relay only imports the common runtime and the faceid client.
TENCENTCLOUD_KEEP = frozenset({"__init__.py", "common", "faceid"})
JUNK_DIRS = frozenset({"__pycache__", "tests", "SelfTest"})
JUNK_DIST_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Artefact:
    """One zip in dist/ and what it unpacks to."""

    name: str
    path: Path
    zip_bytes: int
    unzipped_bytes: int
    files: int


@dataclass(frozen=True)
class PackageReport:
    """The sizes of everything `build` wrote, in the order it wrote them."""

    artefacts: tuple[Artefact, ...]
    layer_dir: Path

    def __getitem__(self, name: str) -> Artefact:
        return next(artefact for artefact in self.artefacts if artefact.name == name)

    def table(self) -> str:
        rows = [f"{'artefact':<24}{'zip bytes':>14}{'unzipped bytes':>16}{'files':>8}"]
        rows += [
            f"{a.name:<24}{a.zip_bytes:>14,}{a.unzipped_bytes:>16,}{a.files:>8,}" for a in self.artefacts
        ]
        rows.append(f"layer budget: zip <= {LAYER_ZIP_BUDGET:,} B, unzipped <= {LAYER_UNZIPPED_BUDGET:,} B")
        return "\n".join(rows)


def runtime_requirements() -> list[str]:
    """The layer ships exactly the project's runtime dependencies (pyproject.toml is the one list)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        requirements: list[str] = tomllib.load(file)["project"]["dependencies"]
    return requirements


def function_dirs() -> list[Path]:
    return sorted(app.parent for app in FUNCTIONS_DIR.glob("*/app.py"))


def _pip(*args: str, env: dict[str, str] | None = None) -> None:
    command = [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}")


def install_dependencies(site: Path, scratch: Path) -> None:
    wheels = scratch / "wheels"
    # --no-cache-dir: a cached wheel built with a compiler would bring a host-only C extension back.
    _pip(
        "wheel",
        "--no-deps",
        "--no-cache-dir",
        f"--wheel-dir={wheels}",
        *SDIST_ONLY,
        env={**os.environ, "CC": "false"},
    )
    _pip(
        "install",
        f"--target={site}",
        f"--find-links={wheels}",
        "--no-compile",
        *TARGET_PLATFORM,
        *runtime_requirements(),
    )


# pycryptodome (9.6 MB) comes with cos-python-sdk-v5, but only qcloud_cos.cos_encryption_client (client-side
# encryption, which the relay does not use) imports it; `import qcloud_cos` does not.
UNUSED_PACKAGES = ("Crypto",)
UNUSED_DISTRIBUTIONS = ("pycryptodome",)


def prune(site: Path) -> None:
    """Drop what is never imported at run time: other SDK products, unused packages, console scripts, caches,
    tests, type stubs and install records (the dist-info metadata and licences stay)."""
    for product in (site / "tencentcloud").iterdir():
        if product.name not in TENCENTCLOUD_KEEP:
            _remove(product)
    for package in UNUSED_PACKAGES:
        _remove(site / package)
    for distribution in UNUSED_DISTRIBUTIONS:
        for record in site.glob(f"{distribution}-*.dist-info"):
            _remove(record)
    for path in sorted(site.rglob("*"), reverse=True):  # children before their folders
        junk = (
            (path.is_dir() and (path.name in JUNK_DIRS or path == site / "bin"))
            or path.suffix == ".pyi"
            or (path.parent.name.endswith(".dist-info") and path.name in JUNK_DIST_INFO)
        )
        if junk:
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def copy_relay_package(site: Path) -> None:
    shutil.copytree(RELAY_PACKAGE, site / RELAY_PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))


def _files(directory: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(directory.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path.relative_to(directory).as_posix(), path


def write_zip(source: Path, destination: Path, prefix: str = "") -> Artefact:
    """A deterministic zip: sorted entries, fixed timestamps and modes, so equal inputs give equal bytes."""
    unzipped = count = 0
    with zipfile.ZipFile(destination, "w") as archive:
        for name, path in _files(source):
            info = zipfile.ZipInfo(prefix + name, date_time=ZIP_EPOCH)
            info.create_system = 3  # unix, so external_attr carries the mode
            info.external_attr = 0o100644 << 16
            data = path.read_bytes()
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            unzipped += len(data)
            count += 1
    return Artefact(destination.stem, destination, destination.stat().st_size, unzipped, count)


def build(out_dir: Path = ROOT / ".build", dist_dir: Path = ROOT / "dist") -> PackageReport:
    """Install, prune and zip. Leaves the unzipped layer in out_dir/layer/python for `sam build`."""
    layer_dir = out_dir / "layer"
    with tempfile.TemporaryDirectory(prefix="faceid-relay-package-") as scratch_name:
        scratch = Path(scratch_name)
        site = scratch / "python"
        install_dependencies(site, scratch)
        prune(site)
        copy_relay_package(site)
        shutil.rmtree(layer_dir, ignore_errors=True)
        layer_dir.mkdir(parents=True)
        shutil.move(site, layer_dir / "python")
    site = layer_dir / "python"

    shutil.rmtree(dist_dir, ignore_errors=True)
    dist_dir.mkdir(parents=True)
    artefacts = [
        write_zip(site, dist_dir / "layer-lambda.zip", prefix="python/"),
        write_zip(site, dist_dir / "layer-scf.zip"),
    ]
    artefacts += [write_zip(function, dist_dir / f"{function.name}.zip") for function in function_dirs()]
    return PackageReport(tuple(artefacts), layer_dir)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.package", description="Build the layer and function zips."
    )
    parser.add_argument(
        "--out-dir", type=Path, default=ROOT / ".build", help="unzipped layer (for sam build)"
    )
    parser.add_argument("--dist-dir", type=Path, default=ROOT / "dist", help="the zips")
    args = parser.parse_args(argv)
    print(build(args.out_dir, args.dist_dir).table())


if __name__ == "__main__":
    main()
