"""Builds what each platform deploys: one dependency layer and one small zip per function, per runtime.

SCF runs the layer with its runtime's Python (SCF_RUNTIME=Python3.10, the default and the last runtime the
SCF API lists, or Python3.11 where the region offers it; or `--scf-python`); Lambda runs python3.13. Binary
wheels (pydantic_core) and bytecode are per CPython version, so each set is installed and byte-compiled by
its own interpreter.

Layout: dist/scf/ and dist/lambda/ each hold layer.zip and <function>.zip. Lambda puts /opt/python on
sys.path, so the Lambda layer keeps its files under python/; SCF unpacks layers to /opt and has /opt itself on
PYTHONPATH (reference tencent-faceid-cos-scf.md §4.2), so the SCF layer keeps them at the root. The unzipped
layers stay in .build/<platform>/layer/python for `sam build` and the SCF layer component.

Bytecode: the platforms mount layer and code read-only, so without .pyc every cold start compiles every
module from source. Every .py ships with its .pyc, compiled with `unchecked-hash` invalidation: zip keeps
mtimes only to 2 s, so timestamp-checked .pyc could be silently ignored after a zip round trip.

Builds are cached: the pruned, compiled dependencies per (requirements, interpreter, this file), and the
zips per digest of every input, so an unchanged tree rebuilds nothing."""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
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
BUILD_DIR = ROOT / ".build"
DIST_DIR = ROOT / "dist"

LAYER_ZIP_BUDGET = 12_000_000
LAYER_UNZIPPED_BUDGET = 40_000_000

SCF_PYTHONS = ("3.10", "3.11")
DEFAULT_SCF_PYTHON = "3.10"
LAMBDA_PYTHON = "3.13"
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"

TARGET_PLATFORM = ("--platform=manylinux2014_x86_64", "--only-binary=:all:", "--implementation=cp")
# PyPI has no wheel of crcmod (pulled in by cos-python-sdk-v5). Its setup.py falls back to the pure-Python
# package when the C extension cannot be compiled, so building it with no compiler yields a
# py3-none-any wheel that fits every platform (crcmod/crcmod.py imports _crcfunpy when _crcfunext is absent).
SDIST_ONLY = ("crcmod==1.7",)

# The full intl SDK is 235 MB: the relay only imports the common runtime and the faceid client.
TENCENTCLOUD_KEEP = frozenset({"__init__.py", "common", "faceid"})
JUNK_DIRS = frozenset({"__pycache__", "tests", "SelfTest"})
JUNK_DIST_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# pycryptodome (9.6 MB) comes with cos-python-sdk-v5, but only qcloud_cos.cos_encryption_client (client-side
# encryption, which the relay does not use) imports it; `import qcloud_cos` does not.
UNUSED_PACKAGES = ("Crypto",)
UNUSED_DISTRIBUTIONS = ("pycryptodome",)


class PackageError(RuntimeError):
    """The package cannot be built as asked (a missing interpreter, a failed install or compile)."""


@dataclass(frozen=True)
class Runtime:
    """One platform's runtime: the CPython version its functions run on and where its layer keeps files."""

    platform: str
    python: str
    layer_prefix: str

    @property
    def interpreter(self) -> Path:
        return find_interpreter(self.python)


def scf_runtime(python: str = DEFAULT_SCF_PYTHON) -> Runtime:
    if python not in SCF_PYTHONS:
        raise PackageError(f"SCF runtime Python {python} is not one of {', '.join(SCF_PYTHONS)}.")
    return Runtime("scf", python, "")


LAMBDA = Runtime("lambda", LAMBDA_PYTHON, "python/")


def default_scf_python() -> str:
    """The SCF runtime's Python from SCF_RUNTIME (`Python3.10` | `Python3.11`, as deploy/regions/<region>.env
    set it for serverless.yml), else 3.10."""
    return os.environ.get("SCF_RUNTIME", "").removeprefix("Python") or DEFAULT_SCF_PYTHON


def runtimes(scf_python: str = DEFAULT_SCF_PYTHON) -> tuple[Runtime, ...]:
    return (scf_runtime(scf_python), LAMBDA)


def find_interpreter(version: str) -> Path:
    """The newest pyenv CPython of that minor version (this machine kind has 3.10.13 and 3.13.0), else
    `python3.X` on PATH."""
    candidates = sorted(
        PYENV_VERSIONS.glob(f"{version}.*/bin/python"),
        key=lambda path: tuple(int(part) for part in path.parent.parent.name.split(".") if part.isdigit()),
    )
    if candidates:
        return candidates[-1]
    found = shutil.which(f"python{version}")
    if found:
        return Path(found)
    raise PackageError(
        f"No Python {version} interpreter: looked for {PYENV_VERSIONS}/{version}.*/bin/python and "
        f"python{version} on PATH. Install it (e.g. `pyenv install {version}`); the artifact for this "
        "runtime must be installed and byte-compiled by the runtime's own CPython version."
    )


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
    """What `build` wrote for one runtime: its zips (the layer first) and the unzipped layer."""

    runtime: Runtime
    interpreter: Path
    artefacts: tuple[Artefact, ...]
    layer_dir: Path

    def __getitem__(self, name: str) -> Artefact:
        return next(artefact for artefact in self.artefacts if artefact.name == name)

    @property
    def layer(self) -> Artefact:
        return self["layer"]

    def table(self) -> str:
        title = f"{self.runtime.platform} (CPython {self.runtime.python}, {self.interpreter})"
        rows = [title, f"  {'artefact':<24}{'zip bytes':>14}{'unzipped bytes':>16}{'files':>8}"]
        rows += [
            f"  {a.name:<24}{a.zip_bytes:>14,}{a.unzipped_bytes:>16,}{a.files:>8,}" for a in self.artefacts
        ]
        return "\n".join(rows)


def runtime_requirements() -> list[str]:
    """The layer ships exactly the project's runtime dependencies (pyproject.toml is the one list)."""
    with (ROOT / "pyproject.toml").open("rb") as file:
        requirements: list[str] = tomllib.load(file)["project"]["dependencies"]
    return requirements


def function_dirs() -> list[Path]:
    return sorted(app.parent for app in FUNCTIONS_DIR.glob("*/app.py"))


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise PackageError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")


def _pip(python: Path, *args: str, env: dict[str, str] | None = None) -> None:
    _run([str(python), "-m", "pip", *args, "--quiet", "--disable-pip-version-check"], env)


def install_dependencies(site: Path, scratch: Path, python: Path, version: str) -> None:
    """The runtime dependencies for CPython `version` on manylinux2014 x86_64, installed by `python`."""
    wheels = scratch / "wheels"
    # Built by the builder's own pip (the pure-Python wheel fits every version; an interpreter's bundled pip
    # may lack the `wheel` package). --no-cache-dir: a cached wheel built with a compiler would bring a
    # host-only C extension back.
    _pip(
        Path(sys.executable),
        "wheel",
        "--no-deps",
        "--no-cache-dir",
        f"--wheel-dir={wheels}",
        *SDIST_ONLY,
        env={**os.environ, "CC": "false"},
    )
    _pip(
        python,
        "install",
        f"--target={site}",
        f"--find-links={wheels}",
        "--no-compile",
        *TARGET_PLATFORM,
        f"--python-version={version}",
        *runtime_requirements(),
    )


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


def byte_compile(directory: Path, python: Path) -> None:
    """Every .py under `directory` gets its .pyc from `python` itself (its magic number and version tag),
    with unchecked-hash invalidation; file names are recorded relative to `directory` (the import system
    puts the real path back when it loads a .pyc, so tracebacks show where the .py is)."""
    _run(
        [
            str(python),
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(directory),
            str(directory),
        ]
    )


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def copy_relay_package(site: Path) -> None:
    shutil.copytree(RELAY_PACKAGE, site / RELAY_PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))


def _files(directory: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            yield path.relative_to(directory).as_posix(), path


def write_zip(source: Path, destination: Path, prefix: str = "", name: str | None = None) -> Artefact:
    """A deterministic zip of every file under `source`: sorted entries, fixed timestamps and modes, so
    equal inputs give equal bytes."""
    unzipped = count = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w") as archive:
        for entry, path in _files(source):
            info = zipfile.ZipInfo(prefix + entry, date_time=ZIP_EPOCH)
            info.create_system = 3  # unix, so external_attr carries the mode
            info.external_attr = 0o100644 << 16
            data = path.read_bytes()
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
            unzipped += len(data)
            count += 1
    return Artefact(name or destination.stem, destination, destination.stat().st_size, unzipped, count)


def read_zip(path: Path, name: str | None = None) -> Artefact:
    with zipfile.ZipFile(path) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
    size = sum(member.file_size for member in members)
    return Artefact(name or path.stem, path, path.stat().st_size, size, len(members))


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _tree_digest(*directories: Path) -> str:
    digest = hashlib.sha256()
    for directory in directories:
        for entry, path in _files(directory):
            if "__pycache__" not in path.parts:
                digest.update(f"{directory.name}/{entry}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def interpreter_version(python: Path) -> str:
    result = subprocess.run(  # noqa: S603 - the runtime's interpreter, fixed arguments
        [str(python), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def dependencies(runtime: Runtime, python: Path, build_dir: Path) -> Path:
    """The pruned, byte-compiled runtime dependencies for this runtime, cached under build_dir/deps and
    rebuilt only when the requirements, the interpreter or this builder change."""
    key = _digest(
        runtime_requirements(),
        SDIST_ONLY,
        TARGET_PLATFORM,
        runtime.python,
        interpreter_version(python),
        Path(__file__).read_bytes().hex(),
    )[:16]
    cached = build_dir / "deps" / f"py{runtime.python}-{key}"
    if cached.is_dir():
        return cached
    for stale in (build_dir / "deps").glob(f"py{runtime.python}-*"):
        shutil.rmtree(stale)
    cached.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deps-", dir=cached.parent) as scratch_name:
        scratch = Path(scratch_name)
        site = scratch / "site"
        install_dependencies(site, scratch, python, runtime.python)
        prune(site)
        byte_compile(site, python)
        site.rename(cached)
    return cached


def build(
    runtime: Runtime, build_dir: Path = BUILD_DIR, dist_dir: Path = DIST_DIR, *, force: bool = False
) -> PackageReport:
    """One runtime's layer and function zips in dist_dir/<platform>/, and the unzipped layer in
    build_dir/<platform>/layer/python; nothing is rebuilt when no input changed (unless `force`)."""
    python = runtime.interpreter
    build_dir.mkdir(parents=True, exist_ok=True)
    with (build_dir / "package.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # tests and `make package` may build at the same time
        deps = dependencies(runtime, python, build_dir)
        staged = build_dir / runtime.platform
        out = dist_dir / runtime.platform
        functions = function_dirs()
        stamp = staged / "inputs.sha256"
        inputs = _digest(deps.name, runtime, _tree_digest(RELAY_PACKAGE, *functions))
        names = ["layer", *(function.name for function in functions)]
        current = stamp.exists() and stamp.read_text() == inputs and (staged / "layer" / "python").is_dir()
        if force or not current or not all((out / f"{name}.zip").exists() for name in names):
            _stage(runtime, python, deps, staged, out, functions)
            stamp.write_text(inputs)
    return PackageReport(
        runtime,
        python,
        tuple(read_zip(out / f"{name}.zip", name) for name in names),
        staged / "layer" / "python",
    )


def _stage(
    runtime: Runtime, python: Path, deps: Path, staged: Path, out: Path, functions: list[Path]
) -> None:
    shutil.rmtree(staged, ignore_errors=True)
    site = staged / "layer" / "python"
    shutil.copytree(deps, site)
    copy_relay_package(site)
    byte_compile(site / RELAY_PACKAGE.name, python)
    shutil.rmtree(out, ignore_errors=True)
    write_zip(site, out / "layer.zip", prefix=runtime.layer_prefix)
    for function in functions:
        code = staged / "functions" / function.name
        shutil.copytree(function, code, ignore=shutil.ignore_patterns("__pycache__"))
        byte_compile(code, python)
        write_zip(code, out / f"{function.name}.zip")


def build_all(
    scf_python: str | None = None, build_dir: Path = BUILD_DIR, dist_dir: Path = DIST_DIR
) -> dict[str, PackageReport]:
    """Both platforms' artifacts, by platform name (SCF's Python by default from SCF_RUNTIME)."""
    chosen = runtimes(scf_python or default_scf_python())
    return {runtime.platform: build(runtime, build_dir, dist_dir) for runtime in chosen}


def within_budget(artefact: Artefact) -> bool:
    return artefact.zip_bytes <= LAYER_ZIP_BUDGET and artefact.unzipped_bytes <= LAYER_UNZIPPED_BUDGET


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.package", description="Build each platform's layer and function zips."
    )
    parser.add_argument(
        "--scf-python",
        choices=SCF_PYTHONS,
        default=default_scf_python(),
        help="the SCF runtime's Python (default: from $SCF_RUNTIME, else 3.10)",
    )
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR, help="unzipped layers, caches")
    parser.add_argument("--dist-dir", type=Path, default=DIST_DIR, help="the zips")
    args = parser.parse_args(argv)
    try:
        reports = build_all(args.scf_python, args.build_dir, args.dist_dir)
    except PackageError as error:
        sys.exit(f"make package: {error}")
    for report in reports.values():
        print(report.table())
    print(f"layer budget: zip <= {LAYER_ZIP_BUDGET:,} B, unzipped <= {LAYER_UNZIPPED_BUDGET:,} B")
    over = [f"{name}/layer" for name, report in reports.items() if not within_budget(report.layer)]
    if over:
        sys.exit(f"make package: over the layer budget: {', '.join(over)}")


if __name__ == "__main__":
    main()
