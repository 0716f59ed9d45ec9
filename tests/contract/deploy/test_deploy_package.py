"""The package builder: the layer holds what the code imports, of the Tencent SDK only common + faceid, and
stays within its size budget (bytes, not time). Built once for this module in a temporary folder (~10 s)."""

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy.package import (
    LAYER_UNZIPPED_BUDGET,
    LAYER_ZIP_BUDGET,
    RELAY_PACKAGE,
    PackageReport,
    build,
    function_dirs,
    write_zip,
)

LAYERS = {"layer-lambda": "python/", "layer-scf": ""}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> PackageReport:
    root = tmp_path_factory.mktemp("package")
    return build(out_dir=root / ".build", dist_dir=root / "dist")


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


@pytest.mark.parametrize(("layer", "prefix"), LAYERS.items())
def test_layer_keeps_only_the_faceid_part_of_the_tencentcloud_sdk(report, layer, prefix):
    entries = names(report[layer].path)
    assert all(entry.startswith(prefix) for entry in entries)
    sdk = {
        entry.removeprefix(prefix).split("/")[1]
        for entry in entries
        if entry.startswith(f"{prefix}tencentcloud/")
    }
    assert sdk == {"__init__.py", "common", "faceid"}
    assert f"{prefix}faceid_relay/__init__.py" in entries


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_is_within_its_size_budget(report, layer):
    artefact = report[layer]
    assert artefact.zip_bytes <= LAYER_ZIP_BUDGET, report.table()
    assert artefact.unzipped_bytes <= LAYER_UNZIPPED_BUDGET, report.table()


@pytest.mark.parametrize("layer", LAYERS)
def test_layer_has_no_bytecode_or_tests(report, layer):
    junk = [
        name
        for name in names(report[layer].path)
        if "__pycache__" in name or "/tests/" in name or name.endswith(".pyc")
    ]
    assert not junk


def test_every_function_zip_holds_just_its_folder(report):
    for folder in function_dirs():
        entries = names(report[folder.name].path)
        assert "app.py" in entries
        files = [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        assert entries == sorted(p.relative_to(folder).as_posix() for p in files)


def test_layer_imports_everything_the_code_imports(report):
    """Every third-party module the relay imports loads from the layer alone (on this Linux CPython 3.11)."""
    sources = [*RELAY_PACKAGE.rglob("*.py"), *(folder / "app.py" for folder in function_dirs())]
    modules = sorted(set().union(*(third_party_imports(source) for source in sources)) | {"faceid_relay"})
    script = "import importlib, sys\nfor name in sys.argv[1:]: importlib.import_module(name)"
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-S", "-c", script, *modules],
        env={"PYTHONPATH": str(report.layer_dir / "python")},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_zips_are_deterministic(tmp_path):
    source = tmp_path / "src"
    (source / "pkg").mkdir(parents=True)
    (source / "pkg" / "b.py").write_text("B = 2\n")
    (source / "a.py").write_text("A = 1\n")
    first = write_zip(source, tmp_path / "first.zip")
    (source / "a.py").touch()  # a newer mtime must not change the bytes
    second = write_zip(source, tmp_path / "second.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert names(first.path) == ["a.py", "pkg/b.py"]


def third_party_imports(source: Path) -> set[str]:
    """Absolute imports outside the standard library and the relay itself, skipping `if TYPE_CHECKING:`."""
    found: set[str] = set()

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" not in ast.unparse(node.test):
                self.generic_visit(node)

        def visit_Import(self, node: ast.Import) -> None:
            found.update(alias.name for alias in node.names)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module and not node.level:
                found.add(node.module)

    Visitor().visit(ast.parse(source.read_text()))
    local = sys.stdlib_module_names | {"faceid_relay", "__future__"}
    return {name for name in found if name.split(".")[0] not in local}
