"""A built artifact unpacked the way its platform mounts it: the layer zip into an `opt` folder and each
function zip into its own code folder, all made read-only, for the deploy contract and the cold-start bench.

Lambda imports the handler from /var/task and the layer from /opt/python; SCF from /var/user and /opt.
Read-only is a gesture when the tests run as root (root writes anyway): PYTHONDONTWRITEBYTECODE=1 in the
child is what keeps a run from writing bytecode, and the children count what they compile."""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.package import PackageReport, function_dirs

# What both templates (template.yaml, serverless.yml) set for every function besides the relay's settings
# and that changes how the runtime starts; the deploy contract and the cold-start bench run with it too.
DEPLOYED_ENV = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}

# A child's first lines (stdlib only): record every Python source the interpreter compiles from now on.
# The import system compiles a module's source only when no usable .pyc exists; `compile` is audited.
COMPILE_AUDIT = """
import sys
COMPILED = []
def _audit(event, args):
    if event == "compile" and isinstance(args[1], str) and args[1].endswith(".py"):
        COMPILED.append(args[1])
sys.addaudithook(_audit)
"""


@dataclass(frozen=True)
class Unpacked:
    """One platform's artifact on disk, and the interpreter of its runtime."""

    report: PackageReport
    layer_path: Path
    code_root: Path

    @property
    def python(self) -> Path:
        return self.report.interpreter

    def code_dir(self, function: str) -> Path:
        return self.code_root / function

    def pythonpath(self, function: str) -> str:
        """The platform's search path: the function's code first, then the layer."""
        return os.pathsep.join([str(self.code_dir(function)), str(self.layer_path)])


def _set_writable(root: Path, writable: bool) -> None:
    write = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod((mode | stat.S_IWUSR) if writable else (mode & ~write))


@contextmanager
def unpacked(report: PackageReport, destination: Path, *, bytecode: bool = True) -> Iterator[Unpacked]:
    """Unzip `report`'s layer and function zips under `destination`, read-only while in use; without
    `bytecode`, the shipped .pyc are left out (the artifact as it was before it carried them)."""
    opt, code_root = destination / "opt", destination / "code"
    with zipfile.ZipFile(report.layer.path) as archive:
        archive.extractall(opt)
    for function in function_dirs():
        with zipfile.ZipFile(report[function.name].path) as archive:
            archive.extractall(code_root / function.name)
    layer_path = opt / report.runtime.layer_prefix.rstrip("/") if report.runtime.layer_prefix else opt
    if not bytecode:
        for cache in sorted(destination.rglob("__pycache__")):
            shutil.rmtree(cache)
    _set_writable(destination, writable=False)
    try:
        yield Unpacked(report, layer_path, code_root)
    finally:
        _set_writable(destination, writable=True)
